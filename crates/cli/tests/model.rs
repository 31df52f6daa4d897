//! `genrekit model`: which model is in use; a broken user model is a clear error that `model
//! reset` fixes.

mod util;

use util::Dir;

#[test]
fn built_in_model_is_shown_and_a_broken_user_model_names_its_file_and_the_way_out() {
    let dir = Dir::new();
    let out = dir.cmd(["model"]).stdout();
    assert!(
        out.contains("<built-in models/default.json> (built in)"),
        "{out}"
    );
    assert!(out.contains("genres (10): blues, classical,"), "{out}");
    assert!(out.contains("rows: 1000 from 1000 tracks (0 rows"), "{out}");
    let out = dir.cmd(["model", "reset"]).stdout();
    assert!(out.contains("no retrained model at"), "{out}");

    let user_model = dir.create("data/genrekit/model.json", b"{\"oops\": true}");
    let tone = util::fixture("audio/tone_stereo_44100.flac");
    let ran = dir.cmd(["predict"]).arg(&tone).run();
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("model.json"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("genrekit model reset"),
        "{}",
        ran.stderr
    );

    // --model still works around it.
    let ran = dir
        .cmd(["model", "--model"])
        .arg(util::repo_root().join("models/default.json"))
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("(given with --model)"),
        "{}",
        ran.stdout
    );

    let out = dir.cmd(["model", "reset"]).stdout();
    assert!(out.contains("removed your model"), "{out}");
    assert!(!user_model.exists());
    let ran = dir.cmd(["predict"]).arg(&tone).run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
}
