//! `awslab grade --organization` and `--ou` against the emulator's AWS Organizations: a class
//! found in OUs and nested OUs, graded through OrganizationAccountAccessRole in each member
//! account, the suspended and the management account left out with why, a CSV roster merged by
//! account id, every list read to its last page, and only reads.

use crate::common::student::*;
use crate::common::*;
use aws_sdk_organizations::types::{OrganizationFeatureSet, Tag};
use serde_json::Value;

/// An organization whose management account is a fresh emulated account: the emulator keeps
/// one organization per management account, so tests do not share one.
struct Org {
    management: Account,
    client: aws_sdk_organizations::Client,
    root: String,
}

impl Org {
    async fn new() -> Org {
        let management = Account::new().await;
        let client = aws_sdk_organizations::Client::new(&management.sdk);
        client
            .create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create organization: {e:?}"));
        let roots = client.list_roots().send().await.expect("roots");
        let root = roots.roots()[0].id().expect("root id").to_string();
        Org {
            management,
            client,
            root,
        }
    }

    async fn unit(&self, parent: &str, name: &str) -> String {
        let out = self
            .client
            .create_organizational_unit()
            .parent_id(parent)
            .name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create OU {name}: {e:?}"));
        out.organizational_unit()
            .and_then(|u| u.id())
            .expect("OU id")
            .to_string()
    }

    /// A member account named `name` in `parent`, holding the lab in `state` (None: nothing,
    /// not even the prerequisites).
    async fn member(
        &self,
        name: &str,
        parent: &str,
        tags: &[(&str, &str)],
        state: Option<&str>,
    ) -> (String, u64, &'static str) {
        let mut create = self
            .client
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"));
        for (k, v) in tags {
            create = create.tags(Tag::builder().key(*k).value(*v).build().expect("tag"));
        }
        let out = create
            .send()
            .await
            .unwrap_or_else(|e| panic!("create account {name}: {e:?}"));
        let id = out
            .create_account_status()
            .and_then(|s| s.account_id())
            .expect("account id")
            .to_string();
        self.client
            .move_account()
            .account_id(&id)
            .source_parent_id(&self.root)
            .destination_parent_id(parent)
            .send()
            .await
            .unwrap_or_else(|e| panic!("move {name}: {e:?}"));
        let (score, status) = match state {
            Some(state) => {
                let lab = Lab::in_account(Account::with_id(id.clone()).await).await;
                lab.put_in_state(state).await
            }
            None => (0, "none"),
        };
        (id, score, status)
    }

    async fn close(&self, id: &str) {
        self.client
            .close_account()
            .account_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("close {id}: {e:?}"));
    }

    /// awslab with the management account's credentials: the instructor's.
    fn awslab(&self) -> Awslab {
        self.management.awslab()
    }
}

/// A class in an organization:
/// root ── class-a: kim (solved), lee (empty), choi (suspended)
///       │    └── lab-2 (nested): park (trust for EC2), named by its tag as 박지민
///       └── other: jung (a policy missing an action)
struct Class {
    org: Org,
    class_a: String,
    lab_2: String,
    kim: (String, u64, &'static str),
    lee: (String, u64, &'static str),
    park: (String, u64, &'static str),
    choi: String,
    jung: (String, u64, &'static str),
}

async fn class() -> Class {
    let org = Org::new().await;
    let class_a = org.unit(&org.root, "class-a").await;
    let lab_2 = org.unit(&class_a, "lab-2").await;
    let other = org.unit(&org.root, "other").await;
    let (kim, lee, park, choi, jung) = tokio::join!(
        org.member("kim", &class_a, &[], Some("solved")),
        org.member("lee", &class_a, &[], Some("empty")),
        org.member(
            "park",
            &lab_2,
            &[("student-name", "박지민")],
            Some("trust-ec2")
        ),
        org.member("choi", &class_a, &[], None),
        org.member("jung", &other, &[], Some("policy-missing-action")),
    );
    org.close(&choi.0).await;
    Class {
        org,
        class_a,
        lab_2,
        kim,
        lee,
        park,
        choi: choi.0,
        jung,
    }
}

fn student<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["students"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["student"] == name))
        .unwrap_or_else(|| panic!("{name} not graded: {v:#}"))
}

fn names(v: &Value) -> Vec<String> {
    v["students"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["student"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_graded(v: &Value, name: &str, (id, score, status): &(String, u64, &str)) {
    let s = student(v, name);
    assert_eq!(s["account"], id.as_str(), "{name}");
    assert_eq!(s["score"], *score, "{name}: {:#}", s["verify"]);
    assert_eq!(s["verify"]["status"], *status, "{name}");
    assert!(s["error"].is_null(), "{name}: {}", s["error"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_is_graded_from_its_organizational_units() {
    let c = class().await;
    let dir = TempDir::new();
    let out = dir.0.join("out");
    let calls = dir.0.join("calls");
    // One account per page: the answer is complete only if every page is read.
    let run = c
        .org
        .awslab()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .env("AWSLAB_ORGANIZATIONS_PAGE_SIZE", "1")
        .args(["grade", "--format", "json", "--recursive"])
        .args(["--name-tag", "student-name", "--ou", &c.class_a, "--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v = run.json();
    assert_eq!(names(&v), ["kim", "lee", "박지민"], "sorted by name");
    assert_graded(&v, "kim", &c.kim);
    assert_graded(&v, "lee", &c.lee);
    assert_graded(&v, "박지민", &c.park);

    // The suspended account is left out, and says why; jung is in another OU.
    let skipped = v["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["account"], c.choi.as_str());
    assert_eq!(skipped[0]["name"], "choi");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("SUSPENDED"),
        "{skipped:#?}"
    );
    assert!(run.stderr().contains(&c.choi), "{}", run.stderr());

    // Through the role in each member account, reading only, every page.
    let calls: Vec<String> = std::fs::read_to_string(&calls)
        .expect("call log")
        .lines()
        .map(String::from)
        .collect();
    let count = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert_eq!(count("sts:AssumeRole"), 3, "{calls:?}");
    // Three parents, and with one account per page at least one more page than parents.
    assert!(
        count("organizations:ListAccountsForParent") > 3,
        "{calls:?}"
    );
    assert!(count("organizations:ListOrganizationalUnitsForParent") >= 2);
    let writes: Vec<&String> = calls
        .iter()
        .filter(|c| !awslab::aws::record::is_read(c))
        .collect();
    assert!(writes.is_empty(), "grading wrote: {writes:?}");

    // --print-policy instructor with the same options allows exactly the Organizations calls
    // made, beside assuming the grading role; the role's own document is the reads alone.
    let policy = c
        .org
        .awslab()
        .args([
            "grade",
            "--print-policy",
            "instructor",
            "--recursive",
            "--name-tag",
            "x",
        ])
        .args(["--ou", &c.class_a])
        .run();
    assert_eq!(policy.code(), 0, "{}", policy.stderr());
    let statements = policy.json()["Statement"].clone();
    assert_eq!(statements[0]["Action"], "sts:AssumeRole");
    assert_eq!(
        statements[0]["Resource"],
        "arn:aws:iam::*:role/OrganizationAccountAccessRole"
    );
    assert_eq!(statements[1]["Sid"], "AwslabGradeListOrganization");
    let mut allowed: Vec<String> = statements[1]["Action"]
        .as_array()
        .expect("organization statement")
        .iter()
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
    let mut made: Vec<String> = calls
        .iter()
        .filter(|c| c.starts_with("organizations:"))
        .cloned()
        .collect();
    allowed.sort();
    made.sort();
    made.dedup();
    assert_eq!(allowed, made);
    let role = c
        .org
        .awslab()
        .args(["grade", "--print-policy", "--ou", &c.class_a])
        .run();
    assert_eq!(role.code(), 0, "{}", role.stderr());
    let statements = role.json()["Statement"].clone();
    assert_eq!(statements.as_array().map(Vec::len), Some(1));
    assert_eq!(
        statements[0]["Action"].as_array().map(Vec::len),
        Some(awslab::aws::record::VERIFY_ACTIONS.len())
    );
    assert!(
        role.stderr().contains("print-policy instructor"),
        "{}",
        role.stderr()
    );

    // grades.csv names each account's email and the OU path it was found under, for an LMS.
    let csv = std::fs::read_to_string(out.join("grades.csv")).expect("grades.csv");
    let header = csv.lines().next().unwrap_or("");
    assert!(header.starts_with("student,email,ou,account,"), "{header}");
    assert!(csv.contains(&format!("{}/", c.class_a)), "{csv}");

    // The reports carry the class.
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("grades.json")).expect("grades.json"),
    )
    .expect("grades.json is JSON");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let skipped_on_page = crate::common::page::texts(&html, "#skipped + ul li");
    assert!(
        skipped_on_page.iter().any(|l| l.contains("choi")),
        "{skipped_on_page:?}"
    );

    // Without --recursive the nested OU is not graded.
    let flat = c
        .org
        .awslab()
        .args(["grade", "--format", "json", "--ou", &c.class_a])
        .run();
    assert_eq!(flat.code(), 0, "{}", flat.stderr());
    assert_eq!(names(&flat.json()), ["kim", "lee"]);

    // --ou is repeatable: the nested OU alone and class-a give the same class as --recursive.
    let both = c
        .org
        .awslab()
        .args([
            "grade", "--format", "json", "--ou", &c.lab_2, "--ou", &c.class_a,
        ])
        .run();
    assert_eq!(names(&both.json()), ["kim", "lee", "park"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_organization_merges_with_a_roster_in_korean() {
    let c = class().await;
    let dir = TempDir::new();
    let roster = dir.0.join("roster.csv");
    // The roster names lee; kim's row reaches the account by its role ARN.
    std::fs::write(
        &roster,
        format!(
            "student,account_id,role_arn\n이서연,{},\n김민수,,arn:aws:iam::{}:role/OrganizationAccountAccessRole\n",
            c.lee.0, c.kim.0
        ),
    )
    .expect("roster");
    let out = dir.0.join("out");
    let run = c
        .org
        .awslab()
        .args(["--lang", "ko", "grade", "--organization", "--roster"])
        .args([&roster])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("grades.json")).expect("grades.json"),
    )
    .expect("JSON");
    assert_eq!(
        names(&json),
        ["이서연", "김민수", "jung", "park"],
        "roster rows first, with their names, then the organization's accounts"
    );
    assert_graded(&json, "이서연", &c.lee);
    assert_graded(&json, "김민수", &c.kim);
    assert_graded(&json, "jung", &c.jung);
    assert_graded(&json, "park", &c.park);
    let skipped: Vec<&str> = json["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["account"].as_str())
        .collect();
    assert!(skipped.contains(&c.choi.as_str()), "{skipped:?}");
    assert!(
        skipped.contains(&c.org.management.id.as_str()),
        "the management account is left out: {skipped:?}"
    );

    // Every human-readable output speaks Korean, headers included.
    let table = run.stdout();
    for head in ["학생", "계정", "점수", "지각", "통과", "실패"] {
        assert!(table.contains(head), "{head} missing:\n{table}");
    }
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("| 점수 | 학생 수 |"), "{md}");
    assert!(md.contains("| 단계 | 완료 | 채점 인원 |"), "{md}");
    assert!(
        !md.contains("| score |") && !md.contains("| step |"),
        "{md}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let heads = crate::common::page::texts(&html, "#students thead th");
    assert_eq!(
        heads[..3],
        ["학생", "계정", "점수"].map(String::from),
        "{heads:?}"
    );
    // A step's column is headed by its title in Korean and its id.
    assert!(
        heads[3].starts_with("1. IAM 정책") && heads[3].ends_with("policy"),
        "{heads:?}"
    );
    assert!(html.contains("<html lang=\"ko\">"));

    // --include-management grades the management account too.
    let with = c
        .org
        .awslab()
        .args([
            "grade",
            "--format",
            "json",
            "--organization",
            "--include-management",
        ])
        .run();
    let accounts: Vec<String> = with.json()["students"]
        .as_array()
        .expect("students")
        .iter()
        .filter_map(|s| s["account"].as_str().map(String::from))
        .collect();
    assert!(accounts.contains(&c.org.management.id), "{accounts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn organization_mistakes_are_clear_errors() {
    // An account in no organization.
    let lone = Account::new().await;
    let run = lone.awslab().args(["grade", "--organization"]).run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("not in an organization"),
        "{}",
        run.stderr()
    );

    // An OU that does not exist, and ids that cannot be one.
    let org = Org::new().await;
    let run = org
        .awslab()
        .args(["grade", "--ou", "ou-zzzz-zzzzzzzz"])
        .run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("ou-zzzz-zzzzzzzz"),
        "{}",
        run.stderr()
    );
    for bad in ["ou-1", "OU-ABCD-ABCDEFGH", "'; drop"] {
        let run = org.awslab().args(["grade", "--ou", bad]).run();
        assert_eq!(run.code(), 2, "{bad}: {}", run.stderr());
        assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    }
    // An organization with nobody to grade under the root but its management account.
    let run = org.awslab().args(["grade", "--ou", &org.root]).run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("No account to grade") && run.stderr().contains("--recursive"),
        "{}",
        run.stderr()
    );
    // OUs by name: one found (and empty), two of one name told apart by id, none at all.
    org.unit(&org.root, "solo").await;
    let twins = [
        org.unit(&org.root, "twin").await,
        org.unit(&org.root, "twin").await,
    ];
    let run = org.awslab().args(["grade", "--ou", "solo"]).run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("No account to grade"),
        "{}",
        run.stderr()
    );
    let run = org.awslab().args(["grade", "--ou", "twin"]).run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        twins.iter().all(|id| run.stderr().contains(id.as_str())),
        "{}",
        run.stderr()
    );
    let run = org.awslab().args(["grade", "--ou", "nobody"]).run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("id or name nobody"),
        "{}",
        run.stderr()
    );
    // Options that only make sense with the organization.
    for args in [
        &["grade", "--recursive", "--roster", "x.csv"][..],
        &["grade", "--name-tag", "n", "--roster", "x.csv"],
        &["grade", "--organization", "--ou", "ou-abcd-abcdefgh"],
    ] {
        let run = org.awslab().args(args).run();
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
    }
}
