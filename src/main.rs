//! awslab: guides students through hands-on AWS labs and verifies each step against the live
//! account. This file only wires the command line to the front ends and turns their outcome
//! into an exit code: the one place where the process ends.

use awslab::cmd::{self, cli};
use awslab::exit;
use clap::FromArgMatches;
use cli::{Cli, Command, SandboxCommand};
use exit::ExitCode;
use std::io::IsTerminal;

fn main() {
    // The help in the user's language: the catalogue's texts, then clap's parsing as usual.
    let cli = Cli::localized()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    setup_color(cli.global.no_color);
    setup_logging(cli.global.verbose);
    awslab::aws::set_verbose(cli.global.verbose > 0);
    let ctx = cmd::Context::new(&cli.global);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("awslab: cannot start the async runtime: {e}");
            std::process::exit(ExitCode::CouldNotCheck.code());
        }
    };
    let result = runtime.block_on(async {
        let command = cmd::dispatch(&ctx, &cli.command);
        // `serve` and `grade` handle Ctrl-C themselves (`grade` keeps what it graded);
        // everywhere else Ctrl-C drops the command, and with it any private sandbox, before
        // the process ends.
        if matches!(
            cli.command,
            Command::Sandbox(SandboxCommand::Serve(_)) | Command::Grade(_)
        ) {
            return command.await;
        }
        tokio::select! {
            result = command => result,
            _ = tokio::signal::ctrl_c() => Err(awslab::error::AppError::Interrupted),
        }
    });
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("awslab: {}", e.explain(ctx.lang));
            e.exit_code()
        }
    };
    // A prompt interrupted mid-way may leave the cursor hidden.
    if std::io::stderr().is_terminal() {
        let _ = console::Term::stderr().show_cursor();
    }
    awslab::aws::record::write_if_asked();
    // Do not wait for lingering connection tasks of the SDK.
    runtime.shutdown_background();
    std::process::exit(code.code());
}

fn setup_color(no_color: bool) {
    let off = no_color
        || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || !std::io::stdout().is_terminal();
    if off {
        colored::control::set_override(false);
    }
    // A Windows console shows colour codes as text until asked to interpret them; one that
    // cannot (older than Windows 10) gets no colour.
    #[cfg(windows)]
    if !off && colored::control::set_virtual_terminal(true).is_err() {
        colored::control::set_override(false);
    }
}

fn setup_logging(verbose: u8) {
    if verbose == 0 {
        return;
    }
    let filter = match verbose {
        1 => "warn,aws_smithy_runtime::client::orchestrator=debug,aws_config=info",
        _ => "debug,hyper=info,rustls=info,h2=info",
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}
