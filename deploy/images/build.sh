#!/usr/bin/env bash
# build.sh builds the offline OCI images from Debian packages, for machines without registry access:
#   busybox:<debian upstream version>, busybox:latest   from busybox-static
#   nginx:<debian upstream version>, nginx:latest       from nginx-light (the nginx binary + its libraries)
#   nginx:1.14, nginx:1.16.0                            aliases of the Debian build (see README.md); --no-aliases skips
# Output: OCI image layout tarballs in OUT (default <repo>/.nanokube/images): busybox.tar, nginx.tar.
# Import into a node with: nanokube image import --root DIR OUT/*.tar
# Needs root (apt-get, file ownership in layers). Deterministic for a given package version.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/.nanokube/images"
aliases=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-aliases) aliases=0 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (installs packages, sets file owners in layers)" >&2; exit 1; }

ensure_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  for p in "${missing[@]}"; do
    apt-cache policy "$p" | grep -q 'Candidate: [0-9]' || { echo "build.sh: apt has no candidate for $p" >&2; exit 1; }
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
ensure_packages busybox-static nginx-light

debian_version() { dpkg-query -W -f='${Version}' "$1"; }
upstream_version() { local v; v=$(debian_version "$1"); v=${v#*:}; echo "${v%%-*}"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout="$work/layout"

# --- OCI layout helpers -------------------------------------------------------------------------------

new_layout() { rm -rf "$layout"; mkdir -p "$layout/blobs/sha256"; printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"; index_entries=(); }

# put_blob FILE -> prints "sha256:<hex> <size>" and stores FILE in the layout
put_blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

# make_layer DIR -> prints "<blob digest> <size> <diff id>"
make_layer() {
  local tarf="$work/layer.tar"
  tar -C "$1" --sort=name --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$tarf" .
  local diff; diff="sha256:$(sha256sum "$tarf" | cut -d' ' -f1)"
  gzip -n -9 -f "$tarf"
  echo "$(put_blob "$tarf.gz") $diff"
  rm -f "$tarf.gz"
}

# add_image NAME CONFIG_JSON_FILE LAYER_LINES -> stores config + manifest, adds an index entry named NAME
add_image() {
  local name=$1 config=$2 layers=$3 cfg layer_json="" sep=""
  cfg=$(put_blob "$config")
  while read -r digest size _; do
    layer_json+="$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$size}"
    sep=","
  done <<<"$layers"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
    "${cfg% *}" "${cfg#* }" "$layer_json" >"$work/manifest.json"
  local man; man=$(put_blob "$work/manifest.json")
  index_entries+=("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"${man% *}\",\"size\":${man#* },\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/$name\",\"org.opencontainers.image.ref.name\":\"${name#*:}\"}}")
  echo "  $name -> ${man% *}"
}

# write_layout FILE
write_layout() {
  local IFS=,
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "${index_entries[*]}" >"$layout/index.json"
  mkdir -p "$(dirname "$1")"
  tar -C "$layout" --sort=name --numeric-owner --owner=0 --group=0 -cf "$1.tmp" oci-layout index.json blobs
  mv "$1.tmp" "$1"
  echo "wrote $1 ($(du -h "$1" | cut -f1))"
}

# diff_ids LAYER_LINES -> JSON array of diff ids
diff_ids() { local out="" sep=""; while read -r _ _ d; do out+="$sep\"$d\""; sep=","; done <<<"$1"; echo "[$out]"; }

# --- rootfs helpers -----------------------------------------------------------------------------------

# skeleton ROOT: a merged-/usr layout like Debian bookworm's, with /etc basics and /tmp
skeleton() {
  local r=$1
  mkdir -p "$r"/usr/{bin,sbin,lib,lib64} "$r"/{etc,tmp,root,proc,sys,dev,run,var/tmp}
  ln -s usr/bin "$r/bin"; ln -s usr/sbin "$r/sbin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
  chmod 1777 "$r/tmp" "$r/var/tmp"; chmod 700 "$r/root"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
}

# copy_chain ROOT PATH: copies PATH into ROOT at the same place, following and keeping symlinks
copy_chain() {
  local r=$1 p=$2 dir t
  for _ in 1 2 3 4 5 6 7 8; do
    dir=$(readlink -f "$(dirname "$p")"); p="$dir/$(basename "$p")"
    mkdir -p "$r$dir"
    if [ -L "$p" ]; then
      [ -e "$r$p" ] || [ -L "$r$p" ] || cp -P "$p" "$r$p"
      t=$(readlink "$p"); case $t in /*) p=$t ;; *) p="$dir/$t" ;; esac
    else
      [ -e "$r$p" ] || cp -p "$p" "$r$p"
      return
    fi
  done
}

# copy_binary ROOT BIN: the binary and every library ldd lists (including the dynamic loader)
copy_binary() {
  copy_chain "$1" "$2"
  ldd "$2" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do copy_chain "$1" "$lib"; done
}

# busybox_links ROOT: one symlink per applet, never replacing a real program
busybox_links() {
  busybox --list-full | grep -v '^linuxrc$' | while read -r applet; do
    [ -e "$1/$applet" ] || [ -L "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"
  done
}

# --- busybox ------------------------------------------------------------------------------------------

bb_version=$(upstream_version busybox-static)
bb_debian=$(debian_version busybox-static)
echo "busybox $bb_version (Debian busybox-static $bb_debian)"
new_layout
bb="$work/busybox-root"
skeleton "$bb"
cp -p /bin/busybox "$bb/usr/bin/busybox"
busybox_links "$bb"
mkdir -p "$bb/var/www" "$bb/home"
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$bb/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n' >"$bb/etc/group"
bb_layers=$(make_layer "$bb")
cat >"$work/busybox-config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/","Labels":{"org.opencontainers.image.version":"$bb_version","org.opencontainers.image.description":"busybox from Debian busybox-static $bb_debian (nanokube offline image)"}},"rootfs":{"type":"layers","diff_ids":$(diff_ids "$bb_layers")},"history":[{"created_by":"nanokube deploy/images/build.sh: busybox-static $bb_debian"}]}
JSON
add_image "busybox:$bb_version" "$work/busybox-config.json" "$bb_layers"
add_image "busybox:latest" "$work/busybox-config.json" "$bb_layers"
write_layout "$out/busybox.tar"

# --- nginx --------------------------------------------------------------------------------------------

ng_version=$(upstream_version nginx-light)
ng_debian=$(debian_version nginx)
echo "nginx $ng_version (Debian nginx $ng_debian, via nginx-light)"
new_layout
ng="$work/nginx-root"
skeleton "$ng"
copy_binary "$ng" /usr/sbin/nginx
copy_binary "$ng" /usr/bin/bash
cp -p /bin/busybox "$ng/usr/bin/busybox"
ln -s bash "$ng/usr/bin/sh"
busybox_links "$ng"
printf 'root:x:0:0:root:/root:/bin/bash\nnginx:x:101:101:nginx user:/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ng/etc/passwd"
printf 'root:x:0:\nnginx:x:101:\nnogroup:x:65534:\n' >"$ng/etc/group"
cp -p /etc/os-release "$ng/etc/os-release" 2>/dev/null || true
mkdir -p "$ng/etc/nginx/conf.d" "$ng/usr/share/nginx/html" "$ng/var/lib/nginx" "$ng/var/log/nginx" "$ng/var/cache/nginx"
cp -p /etc/nginx/mime.types "$ng/etc/nginx/mime.types"
cp -p /var/www/html/index.nginx-debian.html "$ng/usr/share/nginx/html/index.html"
grep -q 'Welcome to nginx!' "$ng/usr/share/nginx/html/index.html" || { echo "build.sh: welcome page lacks 'Welcome to nginx!'" >&2; exit 1; }
cp -p "$here/nginx/nginx.conf" "$ng/etc/nginx/nginx.conf"
cp -p "$here/nginx/default.conf" "$ng/etc/nginx/conf.d/default.conf"
cp -p "$here/nginx/50x.html" "$ng/usr/share/nginx/html/50x.html"
# As the official image does: logs go to the container's stdout/stderr.
ln -s /dev/stdout "$ng/var/log/nginx/access.log"
ln -s /dev/stderr "$ng/var/log/nginx/error.log"
ng_layers=$(make_layer "$ng")

# nginx_config FILE TAG LAYER_LINES [ALIAS_NOTE]
nginx_config() {
  local labels="\"org.opencontainers.image.version\":\"$ng_version\",\"org.opencontainers.image.description\":\"nginx from Debian nginx $ng_debian (nanokube offline image)\""
  [ -n "${4:-}" ] && labels+=",\"io.nanokube.image.alias-of\":\"nginx:$ng_version\""
  cat >"$1" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NGINX_VERSION=$ng_version"],"Cmd":["nginx","-g","daemon off;"],"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT","WorkingDir":"/","Labels":{$labels}},"rootfs":{"type":"layers","diff_ids":$(diff_ids "$3")},"history":[{"created_by":"nanokube deploy/images/build.sh: nginx-light $ng_debian${4:+ ($4)}"}]}
JSON
}
nginx_config "$work/nginx-config.json" "$ng_version" "$ng_layers"
add_image "nginx:$ng_version" "$work/nginx-config.json" "$ng_layers"
add_image "nginx:latest" "$work/nginx-config.json" "$ng_layers"

if [ "$aliases" = 1 ]; then
  for tag in 1.14 1.16.0; do
    al="$work/alias-$tag"
    mkdir -p "$al/etc/nginx/conf.d"
    printf '# nginx:%s is an alias of the Debian nginx %s build (nanokube offline image).\nadd_header X-Nanokube-Image "nginx:%s (alias of Debian nginx %s)" always;\n' \
      "$tag" "$ng_debian" "$tag" "$ng_debian" >"$al/etc/nginx/conf.d/00-nanokube-alias.conf"
    touch -d "@0" "$al/etc/nginx/conf.d/00-nanokube-alias.conf" "$al/etc/nginx/conf.d" "$al/etc/nginx" "$al/etc" "$al"
    alias_layers="$ng_layers"$'\n'"$(make_layer "$al")"
    nginx_config "$work/nginx-alias-config.json" "$tag" "$alias_layers" "alias tag $tag"
    add_image "nginx:$tag" "$work/nginx-alias-config.json" "$alias_layers"
  done
fi
write_layout "$out/nginx.tar"
