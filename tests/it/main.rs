//! The integration tests, one crate so the AWS SDKs are linked once: each module is an area,
//! and every test talks to the real binary or library against moto on loopback (`common`
//! starts it and fails loudly when it cannot be found).

mod common;

mod apply;
mod architecture;
mod audit;
mod board;
mod browser_smoke;
mod by_hand;
mod class_setup;
mod cleanup;
mod cloudshell;
mod course;
mod docs;
mod faults;
mod grade;
mod hardening;
mod hostile;
mod lesson_check;
mod live_student;
mod organizations;
mod real_aws;
mod rerun;
mod rough_edges;
mod sandbox;
mod security;
mod troubleshooting;
mod verdicts;
mod verdicts_three;
mod verify;
mod wizard;
