//! Cutting the first `n` records off a list of resource logs, keeping each
//! record's resource and scope.

use crate::event::{ResourceLogs, ScopeLogs};

/// Remove and return the first `n` records of `buf`; what remains stays in `buf`.
pub fn take_records(buf: &mut Vec<ResourceLogs>, mut n: usize) -> Vec<ResourceLogs> {
    let mut out = Vec::new();
    while n > 0 && !buf.is_empty() {
        let rl_count: usize = buf[0].scope_logs.iter().map(|s| s.log_records.len()).sum();
        if rl_count <= n {
            n -= rl_count;
            out.push(buf.remove(0));
            continue;
        }
        // Split inside this resource.
        let rl = &mut buf[0];
        let mut head =
            ResourceLogs { resource: rl.resource.clone(), scope_logs: Vec::new(), schema_url: rl.schema_url.clone() };
        while n > 0 {
            let sl = &mut rl.scope_logs[0];
            if sl.log_records.len() <= n {
                n -= sl.log_records.len();
                head.scope_logs.push(rl.scope_logs.remove(0));
            } else {
                let records: Vec<_> = sl.log_records.drain(..n).collect();
                head.scope_logs.push(ScopeLogs {
                    scope: sl.scope.clone(),
                    log_records: records,
                    schema_url: sl.schema_url.clone(),
                });
                n = 0;
            }
        }
        out.push(head);
    }
    out
}
