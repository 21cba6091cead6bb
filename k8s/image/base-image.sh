#!/usr/bin/env bash
# Makes the image Pulso's image is built on, from Debian packages only (no registry pull): Debian 12
# with OpenJDK 17's headless JRE and the CA certificates, nothing else. Prints the path of its
# docker-archive tar, which Jib takes as `tar://<path>` (service/pom.xml, property pulso.image.base).
# Cached: made once per machine (about 3 minutes), then printed at once. Needs root, mmdebstrap and
# podman (with runc): .ci/run installs them.
#
# Production builds use a maintained registry image instead (README, "Deploy on EKS"):
#   -Dpulso.image.base=public.ecr.aws/amazoncorretto/amazoncorretto:17-al2023-headless
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${PULSO_IMAGE_CACHE:-$HOME/.cache/pulso/image}"
archive="$cache/base-jre17-bookworm.tar"
if [ -s "$archive" ]; then
  echo "$archive"
  exit 0
fi
for tool in mmdebstrap podman; do
  command -v "$tool" >/dev/null || { echo "base-image.sh: $tool is missing (apt-get install mmdebstrap podman runc)" >&2; exit 1; }
done
mkdir -p "$cache"
work="$(mktemp -d "$cache/make.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export CONTAINERS_CONF="$here/containers.conf"
export CONTAINERS_STORAGE_CONF="$work/storage.conf"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$work" "$work" > "$CONTAINERS_STORAGE_CONF"

# The JDK's postinst needs man1 to exist; docs, man pages and locales are left out (copyrights kept).
mmdebstrap --variant=apt --include=openjdk-17-jre-headless,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook='chroot "$1" java -version' \
  --customize-hook='rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*.bin' \
  bookworm "$work/rootfs.tar" \
  "deb http://deb.debian.org/debian bookworm main" "deb http://deb.debian.org/debian bookworm-updates main" \
  "deb http://deb.debian.org/debian-security bookworm-security main" >&2

# Kubernetes and podman's kube play set no PATH: the image must.
podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' --change 'ENV LANG=C.UTF-8' \
  "$work/rootfs.tar" localhost/pulso-base-jre17:bookworm >&2
# docker-archive: Jib reads that one (an oci-archive fails in Jib).
podman save --format docker-archive -o "$work/base.tar" localhost/pulso-base-jre17:bookworm >&2
mv "$work/base.tar" "$archive"
echo "$archive"
