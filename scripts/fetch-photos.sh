#!/usr/bin/env bash
# Fetches real photographs (no abstract renders or illustrations) from Debian packages (wallpapers and the
# sample data of scikit-image, scikit-learn, OpenCV, labelme, dlib and jquery-backstretch) into DIR/train/
# (98 photos) and DIR/test/ (6 held-out photos from different source images).
# Usage: bash scripts/fetch-photos.sh [DIR]   (default: data/photos). Needs apt (Debian 12); idempotent.
# Licences are those of the packages (see /usr/share/doc/<package>/copyright after extraction).
set -euo pipefail
dest="${1:-data/photos}"
mkdir -p "$dest/train" "$dest/test"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

packages=(mate-backgrounds plasma-workspace-wallpapers lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 python3-skimage python3-sklearn opencv-doc
  labelme-examples libdlib19.1 libjs-jquery-backstretch mate-screensaver-common)
(cd "$work" && apt-get download "${packages[@]}" >/dev/null 2>&1) || {
  apt-get update -qq && (cd "$work" && apt-get download "${packages[@]}" >/dev/null)
}
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done

b="$work/root/usr/share/backgrounds"
w="$work/root/usr/share/wallpapers"
sk="$work/root/usr/lib/python3/dist-packages/skimage/data"
sl="$work/root/usr/lib/python3/dist-packages/sklearn/datasets/images"
cv="$work/root/usr/share/doc/opencv-doc/examples"
lm="$work/root/usr/share/doc/labelme-examples/examples"
dl="$work/root/usr/share/doc/libdlib19.1/examples"
bs="$work/root/usr/share/doc/libjs-jquery-backstretch/examples"
# name|source path; chosen by looking at every image of the packages: photographs only.
train=(
  "aqua|$b/mate/nature/Aqua.jpg" "blinds|$b/mate/nature/Blinds.jpg" "dune|$b/mate/nature/Dune.jpg"
  "freshflower|$b/mate/nature/FreshFlower.jpg" "garden|$b/mate/nature/Garden.jpg"
  "greenmeadow|$b/mate/nature/GreenMeadow.jpg" "ladybird|$b/mate/nature/LadyBird.jpg"
  "raindrops|$b/mate/nature/RainDrops.jpg" "twowings|$b/mate/nature/TwoWings.jpg" "wood|$b/mate/nature/Wood.jpg"
  "yellowflower|$b/mate/nature/YellowFlower.jpg"
  "bythewater|$w/BytheWater/contents/images/2560x1600.jpg" "coldripple|$w/ColdRipple/contents/images/2560x1600.jpg"
  "darkesthour|$w/DarkestHour/contents/images/2560x1600.jpg" "fallenleaf|$w/FallenLeaf/contents/images/2560x1600.jpg"
  "grey|$w/Grey/contents/images/2560x1600.jpg" "kite|$w/Kite/contents/images/2560x1600.jpg"
  "onestandsout|$w/OneStandsOut/contents/images/2560x1600.jpg" "path|$w/Path/contents/images/2560x1600.jpg"
  "volna|$w/Volna/contents/images/5120x2880.jpg" "summer1am|$w/summer_1am/contents/images/2560x1600.jpg"
  "bridge|$b/Bridge_by_Sander_Klootwijk.jpg" "dragonfly|$b/Dragonfly_by_Bolly.jpg"
  "kleiber|$b/Kleiber_by_Lukas_Baubkus.jpg" "fig|$b/Picture_0B_by_freespace.jpg"
  "brushes|$b/Picture_1A_by_freespace.jpg" "aitzgorri|$b/aitzgorri_by_Aitzol_Berasategi.jpg"
  "free|$b/free_by_Peter_Nerlich.jpg" "greentock|$b/greentock_by_Peter_Nerlich.jpg"
  "life|$b/life_by_Aitzol_Berasategi.jpg" "seeding|$b/seeding_by_Clements_Engelhardt.jpg"
  "sunset|$b/sunset_by_Aitzol_Berasategi.jpg"
  "astronaut|$sk/astronaut.png" "chelsea|$sk/chelsea.png" "coffee|$sk/coffee.png" "rocket|$sk/rocket.jpg"
  "motorcycle|$sk/motorcycle_left.png" "brick|$sk/brick.png" "grass|$sk/grass.png" "gravel|$sk/gravel.png"
  "hubble|$sk/hubble_deep_field.jpg" "china|$sl/china.jpg" "flower|$sl/flower.jpg"
  "fruits|$cv/data/fruits.jpg" "baboon|$cv/data/baboon.jpg" "leuven|$cv/data/leuvenA.jpg"
  "squirrel|$cv/data/squirrel_cls.jpg" "home|$cv/data/home.jpg" "aloe|$cv/data/aloeL.jpg" "orange|$cv/data/orange.jpg"
  "messi|$cv/data/messi5.jpg" "aero1|$cv/data/aero1.jpg" "aero3|$cv/data/aero3.jpg" "apple|$cv/data/apple.jpg"
  "butterfly|$cv/data/butterfly.jpg" "building|$cv/data/building.jpg" "plant|$cv/alphamat/input_images/plant.jpg"
  "scenetext1|$cv/text/scenetext01.jpg" "scenetext2|$cv/text/scenetext02.jpg" "scenetext3|$cv/text/scenetext03.jpg"
  "scenetext4|$cv/text/scenetext04.jpg" "scenetext5|$cv/text/scenetext05.jpg" "scenetext6|$cv/text/scenetext06.jpg"
  "rubberwhale|$cv/data/rubberwhale1.png" "smarties|$cv/data/smarties.png" "graffiti|$cv/data/graf1.png"
  "dog|$cv/data/chicky_512.png"
  "voc2011a|$lm/bbox_detection/data_annotated/2011_000003.jpg" "voc2011b|$lm/bbox_detection/data_annotated/2011_000006.jpg"
  "voc2011c|$lm/bbox_detection/data_annotated/2011_000025.jpg" "kitten|$lm/classification/data_annotated/0001.jpg"
  "blackdog|$lm/classification/data_annotated/0002.jpg" "street|$lm/video_annotation/data_annotated/00000100.jpg"
  "shelf|$lm/tutorial/apc2016_obj3.jpg"
  "voc2007a|$dl/faces/2007_007763.jpg" "voc2008a|$dl/faces/2008_001009.jpg" "voc2008b|$dl/faces/2008_001322.jpg"
  "voc2008c|$dl/faces/2008_002079.jpg" "voc2008d|$dl/faces/2008_002470.jpg" "voc2008e|$dl/faces/2008_002506.jpg"
  "voc2008f|$dl/faces/2008_004176.jpg" "voc2008g|$dl/faces/2008_007676.jpg" "voc2009a|$dl/faces/2009_004587.jpg"
  "portrait|$dl/faces/Tom_Cruise_avp_2014_4.jpg" "cars1|$dl/mmod_cars_test_image.jpg" "cars2|$dl/mmod_cars_test_image2.jpg"
  "desk|$dl/video_frames/frame_000100.jpg"
  "john1|$dl/johns/John_Salley/000179_02159509.jpg" "john2|$dl/johns/John_Savage/000264_01099001.jpg"
  "john3|$dl/johns/John_Schneider/000288_00925786.jpg" "john4|$dl/johns/John_Shimkus/000373_03228153.jpg"
  "john5|$dl/johns/John_Simm/000288_00470387.jpg"
  "coffeecup|$bs/coffee.jpg" "dome|$bs/dome.jpg" "potholder|$bs/pot-holder.jpg" "leaf|$bs/sample1_1920.jpg"
  "cliffs|$bs/sample2_1920.jpg" "earthhorizon|$b/cosmos/earth-horizon.jpg"
)
test=(
  "storm|$b/mate/nature/Storm.jpg" "eveningglow|$w/EveningGlow/contents/images/2560x1600.jpg"
  "colorfulcups|$w/ColorfulCups/contents/images/2560x1600.jpg" "friends|$b/friends_by_Aitzol_Berasategi.jpg"
  "wine|$b/Wine_by_Jakkub_Mede.jpg" "picosdeeuropa|$b/picosdeeuropa_by_Aitzol_Berasategi.jpg"
)
copy() {
  local split="$1"; shift
  for entry in "$@"; do
    local name="${entry%%|*}" src="${entry#*|}"
    [ -f "$src" ] || { echo "missing in package: $src" >&2; exit 1; }
    cp "$src" "$dest/$split/$name.${src##*.}"
  done
}
copy train "${train[@]}"
copy test "${test[@]}"
echo "$(ls "$dest/train" | wc -l) training and $(ls "$dest/test" | wc -l) test photographs in $dest"
