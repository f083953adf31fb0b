//! A sandbox started with `awslab sandbox up` for one test, and the lab as a student sees it
//! there.

use super::student::Lab;
use super::*;
use awslab::aws::seed::Prerequisites;
use serde_json::Value;
use std::time::{Duration, Instant};

/// A sandbox started with `awslab sandbox up` in its own cache directory; `down` on drop.
pub struct Sandbox {
    pub cache: TempDir,
    pub info: Value,
}

impl Sandbox {
    pub fn up() -> Sandbox {
        Sandbox::up_with(&[])
    }

    /// `sandbox up` with more options (`--warmup 20`, `--iam-delay 20`).
    pub fn up_with(extra: &[&str]) -> Sandbox {
        let cache = TempDir::new();
        let run = awslab_in(&cache)
            .args(["sandbox", "up", "--delay", "1", "--format", "json"])
            .args(extra)
            .run();
        assert_eq!(
            run.code(),
            0,
            "sandbox up failed:\n{}\n{}",
            run.stdout(),
            run.stderr()
        );
        let info = run.json();
        Sandbox { cache, info }
    }

    pub fn cmd(&self) -> Awslab {
        awslab_in(&self.cache)
    }

    pub fn pids(&self) -> Vec<u32> {
        self.info["pids"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|p| p.as_u64())
                    .map(|p| p as u32)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn str(&self, key: &str) -> String {
        self.info[key].as_str().unwrap_or_default().to_string()
    }

    /// The lab as a student sees it in this sandbox, driven with the SDK.
    pub fn lab(&self) -> Lab {
        let account = Account::at(
            &self.str("endpoint"),
            &self.str("account"),
            &self.str("access_key"),
            &self.str("secret_key"),
        );
        let pre = Prerequisites {
            vpc_id: self.str("vpc_id"),
            subnet_id: String::new(),
            security_group_id: String::new(),
            instance_id: self.str("instance_id"),
            eni_id: self.str("eni_id"),
            private_ip: self.str("private_ip"),
            public_ip: self.info["public_ip"].as_str().map(str::to_string),
        };
        Lab::from_parts(account, pre)
    }

    /// `curl <web stand-in>`: the lab's test request, on loopback only.
    pub fn request(&self) {
        use std::io::{Read, Write};
        let web = self.str("web");
        let addr = awslab::sandbox::loopback(&web).expect("the stand-in is on loopback");
        let mut s = std::net::TcpStream::connect(addr).expect("connect to the stand-in");
        s.write_all(b"GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    pub fn verify(&self) -> Value {
        self.cmd().args(["--sandbox"]).verify_json().1
    }

    /// Polls verify until the record is judged (bounded; delivery is asynchronous).
    pub fn verify_until_record(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.verify();
            if v.check_status("traffic.record") != "pending" || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Sandbox {
    /// `awslab <args>` on this sandbox as a student starts it at a terminal, in `folder` (where
    /// the wizard writes the lab folder), for a pty.
    pub fn terminal(&self, folder: &TempDir, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awslab"));
        cmd.args(args)
            .current_dir(&folder.0)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TERM", "xterm")
            .env("AWSLAB_CACHE_DIR", &self.cache.0)
            .env("AWSLAB_MOTO_SERVER", find_moto_server());
        cmd
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = awslab_in(&self.cache).args(["sandbox", "down"]).run();
    }
}

pub fn awslab_in(cache: &TempDir) -> Awslab {
    let mut cmd = Awslab::bare();
    cmd.env("AWSLAB_CACHE_DIR", &cache.0)
        .env("AWSLAB_MOTO_SERVER", find_moto_server());
    cmd
}
