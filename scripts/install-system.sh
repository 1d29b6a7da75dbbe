#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Gridsight needs, only those that are missing.
#   scripts/install-system.sh            PostGIS server, Python venv support, a CJK font to serve,
#                                        Chromium (the briefing export; the browser tests)
#   scripts/install-system.sh --browser  the same, plus npm for the browser tests (axe-core)
set -euo pipefail

want=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! ls /usr/lib/postgresql/*/lib/postgis-3.so >/dev/null 2>&1; then
  want+=(postgresql-15-postgis-3)
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  want+=(python3-venv)
fi
# A CJK font the dashboard serves to screens that have none (and the browser tests' screenshots use)
have_pkg fonts-wqy-microhei || want+=(fonts-wqy-microhei)
# Chromium: the map's "Export briefing" renders with it (and the browser tests drive it)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
if [[ "${1:-}" == "--browser" ]]; then
  command -v npm >/dev/null 2>&1 || want+=(npm)  # axe-core for the accessibility tests
fi
[[ ${#want[@]} -eq 0 ]] && exit 0

echo "Installing system packages: ${want[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install ${want[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! $sudo apt-get install -y -qq --no-install-recommends "${want[@]}"; then
  echo "error: could not install ${want[*]} with apt-get (see above)." >&2
  echo "On a release without postgresql-15-postgis-3, install your PostgreSQL's postgis package," >&2
  echo "or point DATABASE_URL at an existing PostGIS." >&2
  exit 1
fi
