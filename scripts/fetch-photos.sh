#!/usr/bin/env bash
# Fetches real photographs (no renders, illustrations, paintings, screenshots or text) from Debian 12 packages into
# DIR/train/ (268 photos) and DIR/test/ (33 held-out photos: the kphotoalbum demo album, RMagick's example photos
# and 6 wallpapers, sources no training photo comes from). Every image was chosen by looking at it.
# Usage: bash scripts/fetch-photos.sh [DIR]   (default: data/photos). Needs apt (Debian 12); idempotent.
# DIR/SOURCES.tsv lists each photo's package, path in it and the package's licence file
# (/usr/share/doc/<package>/copyright, kept under DIR/licences/).
# Not used, on purpose (reserved for independent evaluation): gcompris-qt-data, palapeli-data, digikam-data,
# openjdk-*-demo, python-matplotlib-data, python3-scipy.
set -euo pipefail
dest="${1:-data/photos}"
mkdir -p "$dest/train" "$dest/test"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

packages=(mate-backgrounds plasma-workspace-wallpapers lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 python3-skimage python3-sklearn opencv-doc
  labelme-examples libdlib19.1 libjs-jquery-backstretch mate-screensaver-common
  kphotoalbum ruby-rmagick-doc gnome-control-center-data kalzium-data libjs-jquery-colorbox libjs-jquery-slides nip2
  forensics-samples-files psychtoolbox-3-common node-opencv libjs-jquery-ui-docs libjs-spectre-docs libjs-cropper
  libjs-bootstrap5-doc)
# One package at a time, so the ~3 minutes show progress (package n of N); the index is refreshed once if needed.
n=0
for package in "${packages[@]}"; do
  n=$((n + 1))
  echo "downloading package $n of ${#packages[@]}: $package" >&2
  (cd "$work" && apt-get download "$package" >/dev/null 2>&1) || {
    [ -n "${refreshed:-}" ] || { apt-get update -qq; refreshed=1; }
    (cd "$work" && apt-get download "$package" >/dev/null)
  }
done
echo "unpacking ${#packages[@]} packages" >&2
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done

b="$work/root/usr/share/backgrounds"
w="$work/root/usr/share/wallpapers"
sk="$work/root/usr/lib/python3/dist-packages/skimage/data"
sl="$work/root/usr/lib/python3/dist-packages/sklearn/datasets/images"
cv="$work/root/usr/share/doc/opencv-doc/examples"
lm="$work/root/usr/share/doc/labelme-examples/examples"
dl="$work/root/usr/share/doc/libdlib19.1/examples"
bs="$work/root/usr/share/doc/libjs-jquery-backstretch/examples"
d="$work/root/usr/share/doc"
ocv="$d/opencv-doc/opencv4/html"
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
  "daisy|$d/libjs-jquery-colorbox/examples/content/daisy.jpg" "marylou|$d/libjs-jquery-colorbox/examples/content/marylou.jpg"
  "ohoopee1|$d/libjs-jquery-colorbox/examples/content/ohoopee1.jpg" "ohoopee2|$d/libjs-jquery-colorbox/examples/content/ohoopee2.jpg"
  "ohoopee3|$d/libjs-jquery-colorbox/examples/content/ohoopee3.jpg"
  "slide1|$d/libjs-jquery-slides/examples/Linking/img/slide-1.jpg" "slide2|$d/libjs-jquery-slides/examples/Linking/img/slide-2.jpg"
  "slide3|$d/libjs-jquery-slides/examples/Linking/img/slide-3.jpg" "slide4|$d/libjs-jquery-slides/examples/Linking/img/slide-4.jpg"
  "slide5|$d/libjs-jquery-slides/examples/Linking/img/slide-5.jpg" "slide6|$d/libjs-jquery-slides/examples/Linking/img/slide-6.jpg"
  "slide7|$d/libjs-jquery-slides/examples/Linking/img/slide-7.jpg"
  "shoe1|$d/libjs-jquery-slides/examples/Product/img/1144953-1-2x.jpg" "shoe2|$d/libjs-jquery-slides/examples/Product/img/1144953-p-2x.jpg"
  "vases|$d/nip2/examples/businesscard/slanted_oval_vase2.jpg" "tulips|$d/nip2/examples/framing/framing_picture.jpg"
  "dogs1|$work/root/usr/share/forensics-samples/original-files/pic1/IMG-20191006-WA0002.jpg"
  "railway|$work/root/usr/share/forensics-samples/original-files/pic1/IMG_1054.JPG"
  "circuit|$work/root/usr/share/forensics-samples/original-files/pic1/IMG_20200827_231612.jpg"
  "dinner|$work/root/usr/share/forensics-samples/original-files/pic2/IMG_20191224_234846.jpg"
  "dogs2|$work/root/usr/share/forensics-samples/original-files/pic2/IMG_20200124_231153.jpg"
  "dogs3|$work/root/usr/share/forensics-samples/original-files/pic2/IMG_20200608_111614.jpg"
  "rabbits|$work/root/usr/share/psychtoolbox-3/PsychDemos/AlphaImageDemo/konijntjes1024x768.jpg"
  "apples|$work/root/usr/share/psychtoolbox-3/PsychDemos/OpenGL4MatlabDemos/MorphDemo/TeapotTexture.jpg"
  "town|$work/root/usr/share/psychtoolbox-3/PsychHardware/EyelinkToolbox/EyelinkDemos/SR-ResearchDemo/town.jpg"
  "car1|$d/node-opencv/examples/files/car1.jpg" "car2|$d/node-opencv/examples/files/car2.jpg"
  "tatras1|$d/libjs-jquery-ui-docs/examples/droppable/images/high_tatras.jpg"
  "tatras2|$d/libjs-jquery-ui-docs/examples/droppable/images/high_tatras2.jpg"
  "tatras3|$d/libjs-jquery-ui-docs/examples/droppable/images/high_tatras3.jpg"
  "tatras4|$d/libjs-jquery-ui-docs/examples/droppable/images/high_tatras4.jpg"
  "earth|$d/libjs-jquery-ui-docs/examples/position/images/earth.jpg"
  "yosemite1|$d/libjs-spectre-docs/docs/img/osx-yosemite.jpg" "yosemite2|$d/libjs-spectre-docs/docs/img/osx-yosemite-2.jpg"
  "sierra1|$d/libjs-spectre-docs/docs/img/macos-sierra.jpg" "sierra2|$d/libjs-spectre-docs/docs/img/macos-sierra-2.jpg"
  "elcapitan1|$d/libjs-spectre-docs/docs/img/osx-el-capitan.jpg" "elcapitan2|$d/libjs-spectre-docs/docs/img/osx-el-capitan-2.jpg"
  "poppy|$d/libjs-cropper/tests/poppy.jpg" "castle|$d/libjs-cropper/tests/castleMed.jpg"
  "boat|$d/libjs-bootstrap5/examples/features/unsplash-photo-3.jpg" "moon|$d/libjs-bootstrap5/examples/features/unsplash-photo-1.jpg"
  "marigold|$d/libjs-bootstrap5/examples/features/unsplash-photo-2.jpg"
  "man1|$ocv/227943776_1.jpg" "man2|$ocv/230501201_1.jpg" "timbered|$ocv/Harris_Detector_Original_Image.jpg"
  "valley|$ocv/Warp_Affine_Tutorial_Original_Image.jpg" "plantorange|$ocv/astra_color.jpg" "cat2|$ocv/cat_det.jpg"
  "officebuilding|$ocv/feature_building.jpg" "hand|$ocv/handDst.jpg" "parkedcar|$ocv/motion_original.jpg"
  "doubledecker|$ocv/pexels_double_decker_bus.jpg" "shuttle|$ocv/space_shuttle.jpg" "whitecar|$ocv/white_car.jpg"
  "aloe2|$cv/data/aloeR.jpg" "leuven2|$cv/data/leuvenB.jpg" "objects|$cv/data/stuff.jpg" "table|$cv/data/pca_test1.jpg"
  "ela|$cv/data/ela_original.jpg" "fish|$cv/data/HappyFish.jpg"
)
for f in bicycle book calculator cat coffee2 flower2 gamepad guitar2 headphones hummingbird mountain plane surfer tomatoes tree; do
  train+=("face-$f|$work/root/usr/share/pixmaps/faces/$f.jpg")
done
for t in abzug becherglas brenner dsc erlenmeyerkolben exikator hplc phpapier rg-staender rotationsverdampfer spatel trichter verteiler waage; do
  train+=("lab-$t|$work/root/usr/share/kalzium/data/toolpics/$t.jpg")
done
for s in 2 3 4 5 6; do train+=("rabbit$s|$work/root/usr/share/psychtoolbox-3/PsychDemos/PsychExampleExperiments/OldNewRecognition/stims/stim$s.jpg"); done
# The other photos of dlib's five people (one each is listed above).
for p in "$dl"/johns/*/; do
  for f in $(ls "$p" | sort | tail -n +2); do train+=("john-$(basename "$p" | tr 'A-Z_' 'a-z-')-${f%.jpg}|$p$f"); done
done
# Every sixth frame of dlib's street clip after the one listed above (frames 106 … 250).
for n in $(seq 106 6 250); do train+=("street-$n|$dl/video_frames/frame_000$n.jpg"); done
test=(
  "storm|$b/mate/nature/Storm.jpg" "eveningglow|$w/EveningGlow/contents/images/2560x1600.jpg"
  "colorfulcups|$w/ColorfulCups/contents/images/2560x1600.jpg" "friends|$b/friends_by_Aitzol_Berasategi.jpg"
  "wine|$b/Wine_by_Jakkub_Mede.jpg" "picosdeeuropa|$b/picosdeeuropa_by_Aitzol_Berasategi.jpg"
  "ballerina|$d/ruby-rmagick-doc/html/ex/images/Ballerina3.jpg" "cheetah|$d/ruby-rmagick-doc/html/ex/images/Cheetah.jpg"
  "balloons|$d/ruby-rmagick-doc/html/ex/images/Hot_Air_Balloons_H.jpg" "redrocks|$d/ruby-rmagick-doc/html/ex/images/Red_Rocks.jpg"
)
for f in anne_helene bar55 bar55_2 blackie cold_water donna donna_2 grand_canyon_1 grand_canyon_2 grand_canyon_3 jesper jesper_2 \
  new_wave_1 new_wave_2 pool pool_2 skagen skagen_2 snow spiff spiff_2 sunset wayne; do
  test+=("album-${f//_/-}|$work/root/usr/share/kphotoalbum/demo/$f.jpg")
done
# Which package installs a path: the one whose data.tar holds it (dpkg-deb -c of every downloaded .deb).
for deb in "$work"/*.deb; do
  pkg="$(dpkg-deb -f "$deb" Package)"
  dpkg-deb -c "$deb" | awk -v p="$pkg" '{print p "\t" substr($6, 2)}'
done > "$work/owners.tsv"
mkdir -p "$dest/licences"
printf 'photo\tsplit\tpackage\tpath in package\tlicence\n' > "$dest/SOURCES.tsv"
copy() {
  local split="$1"; shift
  for entry in "$@"; do
    local name="${entry%%|*}" src="${entry#*|}"
    [ -f "$src" ] || { echo "missing in package: $src" >&2; exit 1; }
    local ext="${src##*.}"
    cp "$src" "$dest/$split/$name.${ext,,}"
    local path="${src#"$work/root"}" pkg
    pkg="$(awk -F'\t' -v f="$path" '$2 == f {print $1; exit}' "$work/owners.tsv")"
    cp -n "$work/root/usr/share/doc/$pkg/copyright" "$dest/licences/$pkg.copyright" 2>/dev/null || true
    printf '%s\t%s\t%s\t%s\t%s\n' "$name.${ext,,}" "$split" "$pkg" "$path" "/usr/share/doc/$pkg/copyright" >> "$dest/SOURCES.tsv"
  done
}
copy train "${train[@]}"
copy test "${test[@]}"
echo "$(ls "$dest/train" | wc -l) training and $(ls "$dest/test" | wc -l) test photographs in $dest"
