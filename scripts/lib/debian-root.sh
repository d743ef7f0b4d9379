# Sourced by scripts/package-check.sh and scripts/systemd-check.sh: their
# shared start (say, skip, the root and debootstrap checks), and a
# minimal Debian 12 root made once with debootstrap and kept as a tar in the
# build tree, so every run starts from the same fresh system without
# fetching it again.
#
#   debian_root_tar BUILD_DIR   prints the tar's path; returns 2 when
#                               debootstrap cannot fetch Debian packages
#
# The tar's name carries the recipe's version: change the recipe, bump it,
# and the next run makes a new one instead of reusing a stale root.
debian_root_recipe=1

# What both checks start with. CHECK_NAME (set before sourcing) prefixes
# their messages; a skip says loudly why and exits 77.
say() { echo "$CHECK_NAME: $*" >&2; }
skip() { say "*** SKIPPED: $* ***"; exit 77; }

#   require_root_and_debootstrap WHY_ROOT
require_root_and_debootstrap() {
  [[ $(id -u) -eq 0 ]] || skip "needs root ($1)"
  command -v debootstrap >/dev/null || skip "debootstrap is not installed (scripts/deps.sh --test installs it)"
}
debian_root_mirror=${KB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

debian_root_tar() {
  local cache="$1/debian-root"
  local tar="$cache/bookworm-minbase-v$debian_root_recipe.tar"
  mkdir -p "$cache"
  if [[ ! -f $tar ]]; then
    echo "debian-root: debootstrap bookworm (minbase) from $debian_root_mirror, once per build tree" >&2
    local fresh="$cache/debootstrap.tmp"
    rm -rf "$fresh"
    if ! debootstrap --variant=minbase bookworm "$fresh" "$debian_root_mirror" >"$cache/debootstrap.log" 2>&1; then
      tail -5 "$cache/debootstrap.log" >&2
      rm -rf "$fresh"
      return 2
    fi
    tar -C "$fresh" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$fresh"
  fi
  echo "$tar"
}
