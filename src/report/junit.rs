//! JUnit XML: a testsuite per verdict, a testcase per check, so CI dashboards and learning
//! platforms can show a lab like a test run.

use crate::engine::Verdict;
use crate::finding::Status;
use crate::i18n::Lang;
use std::fmt::Write;

pub fn document(suites: &[(String, &Verdict)], lang: Lang) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    let mut body = String::new();
    for (name, v) in suites {
        let c = counts(v);
        tests += c.0;
        failures += c.1;
        errors += c.2;
        skipped += c.3;
        body.push_str(&suite(name, v, lang));
    }
    let _ = writeln!(
        out,
        "<testsuites name=\"awslab\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}

fn counts(v: &Verdict) -> (usize, usize, usize, usize) {
    let all = v.steps.iter().flat_map(|s| &s.findings);
    let (mut t, mut f, mut e, mut s) = (0, 0, 0, 0);
    for finding in all {
        t += 1;
        match finding.status {
            Status::Fail => f += 1,
            Status::Error => e += 1,
            Status::Skip | Status::Pending => s += 1,
            Status::Pass | Status::Tip | Status::Warn => {}
        }
    }
    (t, f, e, s)
}

fn suite(name: &str, v: &Verdict, lang: Lang) -> String {
    let (t, f, e, s) = counts(v);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\">",
        esc(name)
    );
    let _ = writeln!(
        out,
        "    <properties><property name=\"lesson\" value=\"{}\"/><property name=\"account\" value=\"{}\"/><property name=\"region\" value=\"{}\"/><property name=\"score\" value=\"{}/{}\"/><property name=\"status\" value=\"{}\"/></properties>",
        esc(&v.lesson),
        esc(v.account.as_deref().unwrap_or("")),
        esc(&v.region),
        v.earned,
        v.possible,
        v.status.as_str()
    );
    for step in &v.steps {
        for finding in &step.findings {
            let message = finding.message.render(lang);
            let fix = finding
                .remediation
                .as_ref()
                .map(|r| r.render(lang))
                .unwrap_or_default();
            let _ = write!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{}\">",
                esc(&v.lesson),
                esc(&step.id),
                esc(&finding.id)
            );
            match finding.status {
                Status::Fail => {
                    let _ = write!(
                        out,
                        "<failure message=\"{}\">{}</failure>",
                        esc(&message),
                        esc(&fix)
                    );
                }
                Status::Error => {
                    let _ = write!(
                        out,
                        "<error message=\"{}\">{}</error>",
                        esc(&message),
                        esc(&fix)
                    );
                }
                Status::Skip | Status::Pending => {
                    let _ = write!(out, "<skipped message=\"{}\"/>", esc(&message));
                }
                Status::Pass | Status::Tip | Status::Warn => {}
            }
            let mut system_out = format!("[{}] {}", finding.status.as_str(), message);
            if let Some(r) = &finding.resource {
                system_out.push_str(&format!("\nresource: {r}"));
            }
            let _ = writeln!(
                out,
                "<system-out>{}</system-out></testcase>",
                esc(&system_out)
            );
        }
    }
    out.push_str("  </testsuite>\n");
    out
}

pub use super::escape_markup as esc;

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
