"""The page where staff create and revoke their personal API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import TokenForm
from .models import ApiToken

# The secret of a token just created, shown once on the next page and forgotten.
NEW_SECRET_KEY = "api_new_token"


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    refusal = services.refusal(request.user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                token, secret = services.create_token(
                    request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    lifetime_days=form.cleaned_data["lifetime"],
                )
            except services.TokenRefused as refused:
                form.add_error(None, refused.message)
            else:
                request.session[NEW_SECRET_KEY] = {"id": token.pk, "secret": secret}
                return redirect("api_tokens")
        status = 400
    elif request.method == "POST":
        status = 403
    new = request.session.pop(NEW_SECRET_KEY, None)
    context = {
        "refusal": refusal,
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "new": new,
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_POST
def revoke(request, pk):
    try:
        token = services.revoke_token(request.user, pk)
    except services.TokenRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
    return redirect("api_tokens")
