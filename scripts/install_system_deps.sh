#!/usr/bin/env bash
# System packages the project needs besides its Python dependencies (Debian/Ubuntu):
#   chromium                         the real browser of the end-to-end tests (Playwright
#                                    drives /usr/bin/chromium; no browser is downloaded)
#   fonts-dejavu-core                fonts for pages in the browser and for the decision
#   fonts-liberation2                letters (Liberation is metric-compatible with Arial)
#   libpango-1.0-0 libpangoft2-1.0-0 text layout of WeasyPrint (decision letters in PDF)
#   gettext                          msgfmt, for compilemessages
#   poppler-utils                    pdftotext, pdftoppm: the tests read the text of the
#                                    PDF letters (and a person checks their pages as images)
#
# Idempotent and quick when everything is there: nothing is downloaded then. As root,
# the missing packages are installed with apt-get (one `apt-get update` first); as
# another user, the script prints the command to run and fails.
# SKIP_SYSTEM_DEPS=1 skips the whole check (a machine managed by other means).
set -euo pipefail

PACKAGES=(
    chromium
    fonts-dejavu-core
    fonts-liberation2
    libpango-1.0-0
    libpangoft2-1.0-0
    gettext
    poppler-utils
)

if [[ "${SKIP_SYSTEM_DEPS:-}" == "1" ]]; then
    echo "System packages: check skipped (SKIP_SYSTEM_DEPS=1)."
    exit 0
fi

installed() {
    # "install ok installed" only: a removed package keeps a "deinstall" entry.
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    # Not a Debian system: say what is needed and check the commands that matter.
    echo "System packages: not a Debian-based system; make sure these are installed:" >&2
    echo "  a Chromium browser at /usr/bin/chromium, DejaVu and Liberation fonts," >&2
    echo "  Pango (for WeasyPrint) and gettext (msgfmt)." >&2
    missing_commands=()
    for command in chromium msgfmt; do
        command -v "$command" >/dev/null 2>&1 || missing_commands+=("$command")
    done
    if ((${#missing_commands[@]})); then
        echo "ERROR: missing commands: ${missing_commands[*]}" >&2
        exit 1
    fi
    exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "System packages: all present (${PACKAGES[*]})."
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "ERROR: missing system packages: ${missing[*]}" >&2
    echo "Install them as root, then run make again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "System packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

for command in chromium msgfmt; do
    if ! command -v "$command" >/dev/null 2>&1; then
        echo "ERROR: $command is still missing after the installation." >&2
        exit 1
    fi
done
echo "System packages: installed ${missing[*]}."
