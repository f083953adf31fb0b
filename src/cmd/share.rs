//! `awslab share`: a student with their own account gives the instructor read-only access for
//! grading. It makes the grading role (the same as the template `grade --print-role-template`
//! deploys), asks first, tags it as awslab's, and prints the roster line to send; `--revoke`
//! deletes that role again, and only a role awslab made.

use crate::cmd::cli::ShareArgs;
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::grade::role::{self, GRADING_TAG};
use crate::i18n::{Lang, Text};
use std::io::IsTerminal;

/// The inline policy holding the grading role's permissions.
const POLICY_NAME: &str = "AwslabGradeReadOnly";

pub async fn run(ctx: &Context, args: &ShareArgs) -> Result<ExitCode, AppError> {
    let lang = ctx.lang;
    let instructor = match (&args.instructor, args.revoke) {
        (_, true) => None,
        (Some(i), false) if role::valid_principal(i) => Some(i.as_str()),
        (Some(i), false) => {
            return Err(AppError::Usage(
                Text::new("grade.bad-principal")
                    .arg("principal", i)
                    .render(lang),
            ));
        }
        (None, false) => {
            return Err(AppError::Usage(
                Text::new("share.no-instructor").render(lang),
            ));
        }
    };
    let lesson = ctx.lesson(None)?;
    let connection = ctx.connect_student(&lesson).await?;
    let aws = connection.aws.fresh();
    let account = aws.identity().await?.account;
    let name = role::role_to_make(&args.role_name);
    let existing = aws.role(name).await?;
    let ours = existing.as_ref().map(|r| role::is_grading_role(&r.tags));
    if ours == Some(false) {
        return Err(AppError::Usage(
            Text::new("share.not-ours").arg("role", name).render(lang),
        ));
    }
    let Some(instructor) = instructor else {
        if existing.is_none() {
            ctx.print(&format!(
                "{}\n",
                Text::new("share.revoke-none")
                    .arg("role", name)
                    .render(lang)
            ))?;
            return Ok(ExitCode::Pass);
        }
        let question = Text::new("share.confirm-revoke")
            .arg("role", name)
            .arg("account", &account);
        if !consent(&question, args.yes, lang)? {
            return Ok(ExitCode::Pass);
        }
        for policy in aws.role_inline_policy_names(name).await? {
            aws.delete_role_policy(name, &policy).await?;
        }
        for (_, arn) in aws.attached_role_policies(name).await? {
            aws.detach_role_policy(name, &arn).await?;
        }
        aws.delete_role(name).await?;
        ctx.print(&format!(
            "{}\n",
            Text::new("share.revoked").arg("role", name).render(lang)
        ))?;
        return Ok(ExitCode::Pass);
    };
    let external_id = args.external_id.as_deref();
    let trust = role::trust(instructor, external_id).to_string();
    let question = Text::new(if existing.is_some() {
        "share.confirm-update"
    } else {
        "share.confirm-create"
    })
    .arg("role", name)
    .arg("account", &account)
    .arg("instructor", instructor);
    if !consent(&question, args.yes, lang)? {
        return Ok(ExitCode::Pass);
    }
    if existing.is_some() {
        aws.update_assume_role_policy(name, &trust).await?;
    } else {
        aws.create_role(name, &trust, &[GRADING_TAG]).await?;
    }
    aws.put_role_policy(name, POLICY_NAME, &role::permissions().to_string())
        .await?;
    let arn = format!("arn:aws:iam::{account}:role/{name}");
    let mut line = csv::Writer::from_writer(Vec::new());
    let student = args
        .student
        .clone()
        .unwrap_or_else(|| Text::new("share.your-name").render(lang));
    let _ = line.write_record(["student", "role_arn", "external_id"]);
    let _ = line.write_record([student.as_str(), &arn, external_id.unwrap_or("")]);
    let line = line
        .into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    ctx.print(&format!(
        "{}\n\n{line}",
        Text::new("share.done").arg("role", name).render(lang)
    ))?;
    Ok(ExitCode::Pass)
}

/// Yes from `--yes`, or from the student at a terminal; without either nothing is written.
fn consent(question: &Text, yes: bool, lang: Lang) -> Result<bool, AppError> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(AppError::Usage(Text::new("share.no-terminal").render(lang)));
    }
    Ok(crate::wizard::prompt::ask_yes_no(
        &question.render(lang),
        lang,
    )?)
}
