# Shared by the scripts in scripts/: dependency installation and the CMake build.
# Sourced, not run. Quiet when everything is already in place.

ZKR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the build and the test suite need (Boost 1.81 explicitly: libboost-all-dev is
# 1.74 and would remove 1.81).
ZKR_APT_PACKAGES=(
  cmake ninja-build g++ ccache pkg-config git openssl
  libboost1.81-dev libboost-json1.81-dev
  libabsl-dev libprotozero-dev libsqlite3-dev libpq-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

# Debian packages only the test suite needs: the browser the explorer's test drives, and the
# PostgreSQL server the tests of the PostgreSQL backend start (as an unprivileged user).
ZKR_TEST_APT_PACKAGES=(chromium postgresql)

zkr_log() { printf 'zkrouter: %s\n' "$*" >&2; }

zkr_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    zkr_log "need root to run: $*"; return 1
  fi
}

# Installs the given Debian packages that are not installed yet; silent if none are missing.
zkr_ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  zkr_log "installing Debian packages: ${missing[*]}"
  zkr_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  zkr_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The Node packages the tests run (package.json, pinned by the committed package-lock.json): anvil
# (a real Ethereum node) and the official ZKsync SDK (zksync-ethers). `npm ci` installs exactly the
# locked versions under node_modules/, again only when the lock file changed. Installs Node.js and
# npm from Debian first if they are missing. Exports ZKR_ANVIL with anvil's path.
zkr_ensure_node_packages() {
  command -v npm >/dev/null || zkr_ensure_apt nodejs npm
  local stamp="$ZKR_ROOT/node_modules/.zkrouter-lock"
  local want
  want="$(sha256sum "$ZKR_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ ! -x "$ZKR_ROOT/node_modules/.bin/anvil" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    zkr_log "installing the Node packages of package-lock.json (npm ci)"
    (cd "$ZKR_ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" >"$stamp"
  fi
  export ZKR_ANVIL="$ZKR_ROOT/node_modules/.bin/anvil"
}

# ASan + UBSan stop at the first report, leaks included (the caller's own settings win).
zkr_sanitizer_env() {
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
}

# zkr_build BUILD_DIR [cmake -D options...] [-- targets...]: configures once, then builds.
zkr_build() {
  local dir="$1"; shift
  local opts=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
    opts+=("$1"); shift
  done
  # CI treats warnings as errors (every script, so their builds share ccache entries).
  [ "${CI:-}" = "true" ] && opts+=(-DZKR_WERROR=ON)
  # Paths relative to the checkout in ccache's hash, so another clone of the same code hits too.
  export CCACHE_BASEDIR="$ZKR_ROOT" CCACHE_NOHASHDIR=1
  mkdir -p "$dir"
  cmake -S "$ZKR_ROOT" -B "$dir" -G Ninja "${opts[@]}" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log" >&2; zkr_log "configure failed"; return 1; }
  cmake --build "$dir" -j "$(nproc)" ${targets[@]+--target "${targets[@]}"} || {
    zkr_log "build failed"; return 1; }
}
