#!/bin/sh
# Add Artifact Annotator to the desktop's application menu (per user, no root needed).
#
# Copied next to the executable in the Linux bundle: run it from the unpacked folder,
#   ./install-desktop-entry.sh            installs the menu entry, icons and AppStream data
#   ./install-desktop-entry.sh --remove   takes them out again
# The menu entry starts the bundle where it is now; run this again after moving it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
app_id=artifact-annotator
metainfo=dev.artifactannotator.ArtifactAnnotator.metainfo.xml
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
resources="$here/_internal/resources"
sizes="16 24 32 48 64 128 256 512"

refresh() {
    # Both tools are optional: desktops pick the files up without them, only later.
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$data_home/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
}

if [ "${1:-}" = "--remove" ]; then
    rm -f "$data_home/applications/$app_id.desktop" "$data_home/metainfo/$metainfo" \
          "$data_home/icons/hicolor/scalable/apps/$app_id.svg"
    for size in $sizes; do
        rm -f "$data_home/icons/hicolor/${size}x${size}/apps/$app_id.png"
    done
    refresh
    echo "Removed the Artifact Annotator menu entry."
    exit 0
fi

if [ ! -x "$here/$app_id" ] || [ ! -d "$resources/linux" ]; then
    echo "error: run this script from the unpacked artifact-annotator folder" \
         "(it needs $here/$app_id and $resources/linux)." >&2
    exit 1
fi

# The menu entry will start this folder's executable, quoted (spaces are fine);
# characters the desktop-entry format would need escaped are refused up front.
case "$here" in
    *[\"\`\$\\\|\&]*)
        echo "error: the folder path $here contains one of \" \` \$ \\ | &;" \
             "move the bundle to a plainer path and run this again." >&2
        exit 1 ;;
esac

mkdir -p "$data_home/applications" "$data_home/metainfo" "$data_home/icons/hicolor/scalable/apps"
for size in $sizes; do
    mkdir -p "$data_home/icons/hicolor/${size}x${size}/apps"
    cp "$resources/icons/$app_id-$size.png" "$data_home/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
cp "$resources/icons/$app_id.svg" "$data_home/icons/hicolor/scalable/apps/$app_id.svg"
cp "$resources/linux/$metainfo" "$data_home/metainfo/$metainfo"

# The menu entry runs this bundle, not `artifact-annotator` from PATH.
sed -e "s|^Exec=.*|Exec=\"$here/$app_id\"|" -e "s|^TryExec=.*|TryExec=$here/$app_id|" \
    "$resources/linux/$app_id.desktop" > "$data_home/applications/$app_id.desktop"
refresh
echo "Installed the Artifact Annotator menu entry ($data_home/applications/$app_id.desktop)."
