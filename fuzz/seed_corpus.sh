#!/bin/sh
# Seeds fuzz/corpus/decode_snippets from the fixtures: one byte selects the file name
# (0 .wav, 1 .mp3, 2 .flac, 3 .ogg, 4 .m4a, 5 no extension), then the first 64 kB of the file.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/decode_snippets
i=0
for f in ../fixtures/audio/*.wav ../fixtures/audio/*.mp3 ../fixtures/audio/*.flac \
         ../fixtures/audio/*.ogg ../fixtures/audio/*.m4a ../fixtures/bad/*; do
    case "$f" in
        *.wav) sel='\000' ;; *.mp3) sel='\001' ;; *.flac) sel='\002' ;;
        *.ogg) sel='\003' ;; *.m4a) sel='\004' ;; *) sel='\005' ;;
    esac
    { printf "$sel"; head -c 65536 "$f"; } > "corpus/decode_snippets/seed$i"
    i=$((i + 1))
done
echo "$i seeds in fuzz/corpus/decode_snippets"
