from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, User
from .signals import access_changed


class EmailUserCreationForm(AdminUserCreationForm):
    """The admin's "add user" form, keyed on the email address (the model has no username)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}

    def clean_email(self):
        # Same normalisation as UserManager.create_user: addresses are stored lower-case.
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class EmailUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


def record_membership_changes(request, formset):
    """Audit the memberships added, changed or removed through an admin inline."""
    if formset.model is not Membership:
        return
    changes = [("added", m) for m in formset.new_objects]
    changes += [("changed", m) for m, _fields in formset.changed_objects]
    changes += [("removed", m) for m in formset.deleted_objects]
    for change, membership in changes:
        record_membership(request.user, membership, change)


def record_membership(actor, membership, change):
    access_changed.send(
        sender=Membership,
        event="membership.changed",
        actor=actor,
        subject_user=membership.user,
        data={
            "change": change,
            "organisation": membership.organization.name,
            "organisation_id": membership.organization_id,
        },
    )


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["organization"]
    readonly_fields = ["joined_at"]
    verbose_name = _("organisation membership")
    verbose_name_plural = _("organisation memberships")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    inlines = [UserMembershipInline]

    def get_inlines(self, request, obj):
        # No inline on the add page: the user does not exist yet.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        obj._access_before = _access(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = getattr(user, "_access_before", None) or {"roles": [], "flags": []}
        after = _access(user)
        added = sorted(set(after["roles"]) - set(before["roles"]))
        removed = sorted(set(before["roles"]) - set(after["roles"]))
        if added or removed or before["flags"] != after["flags"]:
            access_changed.send(
                sender=User,
                event="role.changed",
                actor=request.user,
                subject_user=user,
                data={"added": added, "removed": removed, "flags": after["flags"]},
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        record_membership_changes(request, formset)


def _access(user) -> dict:
    """The roles (groups) and staff flags of a user, as stored."""
    if user.pk is None:
        return {"roles": [], "flags": []}
    stored = User.objects.get(pk=user.pk)
    flags = [name for name in ("is_staff", "is_superuser", "is_active") if getattr(stored, name)]
    return {"roles": sorted(stored.groups.values_list("name", flat=True)), "flags": flags}


class OrganizationMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "organization"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "siret", "rna", "contact_email", "member_count")
    list_filter = ("kind",)
    search_fields = ("name", "siret", "rna", "contact_email")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("name", "kind")}),
        (_("Identifiers"), {"fields": ("siret", "rna")}),
        (_("Contact"), {"fields": ("address", "contact_email", "phone")}),
        (_("History"), {"fields": ("created_at",)}),
    )
    inlines = [OrganizationMembershipInline]

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        record_membership_changes(request, formset)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "joined_at")
    list_filter = ("organization__kind",)
    search_fields = ("user__email", "user__first_name", "user__last_name", "organization__name")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")
    readonly_fields = ("joined_at",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_membership(request.user, obj, "changed" if change else "added")

    def delete_model(self, request, obj):
        record_membership(request.user, obj, "removed")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organization"):
            record_membership(request.user, membership, "removed")
        super().delete_queryset(request, queryset)
