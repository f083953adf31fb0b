//! Step kind `log-group`: the log group exists in the region being checked.

use super::Lab;
use super::{Change, Consent, Env, Seen, found, lesson_tag, sh, similar_names};
use crate::aws::{Aws, AwsError, LESSON_TAG, LogGroup};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use futures::future::join_all;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub name: String,
}

/// The step's parameters from its `with` table.
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params(with)
}

#[derive(Debug)]
pub struct Observed {
    pub here: Option<LogGroup>,
    /// Regions where a group of that name exists when it is missing here.
    pub elsewhere: Vec<String>,
    pub similar: Vec<String>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lab) -> Result<Observed, AwsError> {
    let here = aws.log_group(&aws.region, &p.name).await?;
    if here.is_some() {
        return Ok(Observed {
            here,
            elsewhere: Vec::new(),
            similar: Vec::new(),
        });
    }
    // Only when it is missing: where else might the student have made it? These are courtesy
    // look-ups, so a region that refuses us (opt-in, denied) just says nothing.
    let elsewhere = async {
        let regions = aws.regions().await.unwrap_or_default();
        let found = join_all(
            regions
                .iter()
                .filter(|r| **r != aws.region)
                .map(|r| aws.log_group(r, &p.name)),
        )
        .await;
        found
            .into_iter()
            .filter_map(|g| g.ok().flatten().map(|g| g.region))
            .collect::<Vec<_>>()
    };
    let similar = async {
        let names = aws.log_group_names().await.unwrap_or_default();
        similar_names(&p.name, names.iter().map(String::as_str))
    };
    let (elsewhere, similar) = tokio::join!(elsewhere, similar);
    Ok(Observed {
        here,
        elsewhere,
        similar,
    })
}

/// Creates the log group in the region being checked when it is not there. One of the same
/// name in another region, or a near-miss name, is left alone: it may be the student's.
pub async fn apply(
    seen: Seen<Observed>,
    p: &Params,
    lesson: &Lab,
    _consent: &Consent,
) -> Result<Vec<Change>, AwsError> {
    let Seen {
        aws,
        identity: _,
        observed,
        findings,
    } = seen;
    if observed.here.is_some() || !found(&findings, "exists", &[Status::Fail]) {
        return Ok(Vec::new());
    }
    aws.create_log_group(&p.name, &[lesson_tag(lesson)]).await?;
    Ok(vec![Change::new(
        Text::new("apply.log-group-created")
            .arg("name", &p.name)
            .arg("region", &aws.region),
        create_cli(&p.name, &aws.region, lesson),
    )])
}

/// With the lesson tag, so that cleanup knows a log group made by hand with it as the lab's.
fn create_cli(name: &str, region: &str, lesson: &Lab) -> String {
    format!(
        "aws logs create-log-group --log-group-name {} --tags {} --region {}",
        sh(name),
        sh(&format!("{LESSON_TAG}={}", lesson.id)),
        sh(region)
    )
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    if let Some(group) = &o.here {
        return vec![
            Finding::pass(
                "exists",
                Text::new("log-group.exists")
                    .arg("name", &p.name)
                    .arg("region", env.region),
            )
            .on(group.arn.clone().unwrap_or_else(|| group.name.clone()))
            .at(group.created),
        ];
    }
    let message = if !o.elsewhere.is_empty() {
        Text::new("log-group.other-region")
            .arg("name", &p.name)
            .arg("region", env.region)
            .arg("regions", o.elsewhere.join(", "))
    } else if !o.similar.is_empty() {
        Text::new("log-group.similar")
            .arg("name", &p.name)
            .arg("region", env.region)
            .arg("similar", o.similar.join(", "))
    } else {
        Text::new("log-group.missing")
            .arg("name", &p.name)
            .arg("region", env.region)
    };
    vec![
        Finding::fail("exists", message).fix(
            Text::new("log-group.fix-create")
                .arg("name", &p.name)
                .arg("region", env.region)
                .arg("cli", create_cli(&p.name, env.region, env.lesson)),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// cleanup

/// The log group of that name in the region being checked. One of the same name in another
/// region is not the lab's: the lab's lives where its flow log delivers.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lab,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::flow_log::flow_logs_split;
    use super::removal::{Removal, Target, has_lesson_tag, key, tag_text};
    use crate::aws::FlowLog;
    let Some(group) = aws.log_group(&aws.region, &p.name).await? else {
        return Ok(Vec::new());
    };
    let tags = aws
        .log_group_tags(&group.name, group.arn.as_deref())
        .await?;
    let tagged = has_lesson_tag(&tags, lesson);
    // Flow logs that deliver here: the lab's go first; anyone else's keep the group.
    let (lab, others) = flow_logs_split(aws, lesson).await?;
    let delivers_here = |f: &&FlowLog| f.log_group.as_deref() == Some(p.name.as_str());
    let users: Vec<&str> = others
        .iter()
        .filter(delivers_here)
        .map(|f| f.id.as_str())
        .collect();
    let keep = (!users.is_empty()).then(|| {
        Text::new("cleanup.keep-log-group-flow-logs")
            .arg("name", &p.name)
            .arg("flow_logs", users.join(", "))
    });
    let after = lab
        .iter()
        .filter(delivers_here)
        .map(|f| key("flow-log", &f.id))
        .collect();
    let reason = if tagged {
        Text::new("cleanup.reason-log-group-tagged").arg("tag", tag_text(lesson))
    } else {
        Text::new("cleanup.reason-log-group-named")
    }
    .arg("name", &p.name)
    .arg("region", &aws.region);
    Ok(vec![Removal {
        step: step.to_string(),
        target: Target::LogGroup {
            name: p.name.clone(),
        },
        resource: p.name.clone(),
        tagged,
        named: true,
        reason,
        keep,
        cli: vec![format!(
            "aws logs delete-log-group --log-group-name {} --region {}",
            sh(&p.name),
            sh(&aws.region)
        )],
        after,
    }])
}

pub async fn remove(aws: &Aws, name: &str) -> Result<(), AwsError> {
    aws.delete_log_group(name).await
}

#[cfg(test)]
mod check_tests;
