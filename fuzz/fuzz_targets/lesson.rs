//! The lesson loader on any lesson.toml (build with `--features lesson`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("awslab-fuzz-lesson-{}", std::process::id()));
    let lesson = dir.join("fuzzed");
    if std::fs::create_dir_all(&lesson).is_err() || std::fs::write(lesson.join("lesson.toml"), data).is_err() {
        return;
    }
    let _ = awslab::lesson::Lesson::load(&awslab::lesson::Source::Dir(dir), "fuzzed", &[]);
});
