//! The lab's instance: the one the test request goes to, which the traffic step reads the
//! records of and the security-group-rule step judges the reach of.

use crate::aws::Instance;

/// The instance the lab's request goes to: a running one with a public IP if there is one.
pub fn lab_instance(instances: &[Instance]) -> Option<&Instance> {
    instances
        .iter()
        .filter(|i| i.state.as_deref() != Some("terminated"))
        .max_by_key(|i| {
            (i.state.as_deref() == Some("running")) as u8 * 2 + i.public_ip.is_some() as u8
        })
}
