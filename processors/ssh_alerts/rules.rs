//! The windowed rules kept per source: brute force, password spraying, success
//! after failures, root login. Time is the events' own (nanoseconds), so a replayed
//! log alerts as it did live.

use std::collections::VecDeque;

use super::alert::{Alert, Severity};
use super::config::Limits;
use super::lru::Lru;

/// What the rules need of one normalised SSH event.
pub struct Seen<'a> {
    pub time: u64,
    pub what: What,
    /// The person, else the account (`user.name`, `ssh.login`).
    pub user: Option<&'a str>,
    /// The account logged into (`ssh.login`, else `user.name`).
    pub login: Option<&'a str>,
    pub source: Source<'a>,
    /// Occurrences the event stands for (`ssh.count`, at least 1).
    pub count: u64,
    pub host: Option<&'a str>,
}

/// The remote end: an address, or a host name where the line had only that.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub is_domain: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// A failed attempt: `ssh.auth.failure` or `ssh.invalid_user`.
    Failure,
    /// `ssh.auth.success`.
    Success,
}

#[derive(Default)]
struct SourceState {
    /// Times of the latest failures (at most the largest threshold), oldest first.
    failures: VecDeque<u64>,
    /// Failures of the current burst (none more than a window apart), uncapped.
    burst: u64,
    /// Distinct users tried, with when last (at most the spraying threshold).
    users: Vec<(String, u64)>,
    brute_alerted: Option<u64>,
    spray_alerted: Option<u64>,
    root_alerted: Option<u64>,
}

pub struct Rules {
    brute: Limits,
    spray: Limits,
    after: Limits,
    root: Limits,
    sources: Lru<SourceState>,
    /// Failures kept per source.
    keep: usize,
    /// The longest window of the failure rules.
    span: u64,
}

fn within(t: u64, since: Option<u64>, window: u64) -> bool {
    since.is_some_and(|s| t.saturating_sub(s) < window)
}

impl Rules {
    pub fn new(brute: Limits, spray: Limits, after: Limits, root: Limits, max_sources: usize) -> Rules {
        let keep = [brute, after].iter().filter(|l| l.enabled).map(|l| l.threshold).max().unwrap_or(0);
        let span = brute.window.max(after.window);
        Rules { brute, spray, after, root, sources: Lru::new(max_sources), keep, span }
    }

    /// Sources tracked now.
    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.sources.len()
    }

    /// Feeds one event; alerts it completes go to `out`.
    pub fn observe(&mut self, e: &Seen, out: &mut Vec<Alert>) {
        let st = self.sources.get_or_insert_with(e.source.name, SourceState::default);
        match e.what {
            What::Failure => {
                if st.failures.back().is_some_and(|&last| e.time.saturating_sub(last) > self.span) {
                    st.burst = 0;
                }
                st.burst += e.count;
                for _ in 0..e.count.min(self.keep as u64) {
                    st.failures.push_back(e.time);
                }
                while st.failures.len() > self.keep {
                    st.failures.pop_front();
                }
                if self.brute.enabled {
                    let n = recent(&st.failures, e.time, self.brute.window);
                    if n >= self.brute.threshold && !within(e.time, st.brute_alerted, self.brute.window) {
                        st.brute_alerted = Some(e.time);
                        out.push(Alert::new("brute_force", Severity::Warn, e, &self.brute, n as u64));
                    }
                }
                if self.spray.enabled {
                    if let Some(users) = spray(st, e, &self.spray) {
                        let mut a = Alert::new("password_spraying", Severity::Warn, e, &self.spray, users.len() as u64);
                        a.users = users;
                        out.push(a);
                    }
                }
            }
            What::Success => {
                if self.after.enabled {
                    let n = recent(&st.failures, e.time, self.after.window);
                    if n >= self.after.threshold {
                        let total = st.burst.max(n as u64);
                        st.failures.clear();
                        st.burst = 0;
                        out.push(Alert::new("success_after_failures", Severity::Error, e, &self.after, total));
                    }
                }
                let root = e.login == Some("root");
                if self.root.enabled && root && !within(e.time, st.root_alerted, self.root.window) {
                    st.root_alerted = Some(e.time);
                    out.push(Alert::new("root_login", Severity::Warn, e, &self.root, 1));
                }
            }
        }
    }
}

/// Failures at `t - window` or later.
fn recent(failures: &VecDeque<u64>, t: u64, window: u64) -> usize {
    let since = t.saturating_sub(window);
    failures.iter().rev().take_while(|&&f| f >= since).count()
}

/// Records the user tried; the users, when this completes a spraying alert.
fn spray(st: &mut SourceState, e: &Seen, limits: &Limits) -> Option<Vec<String>> {
    let user = e.user?;
    let since = e.time.saturating_sub(limits.window);
    st.users.retain(|(_, t)| *t >= since);
    match st.users.iter_mut().find(|(u, _)| u == user) {
        Some(entry) => entry.1 = e.time,
        None => {
            if st.users.len() >= limits.threshold {
                st.users.remove(0);
            }
            st.users.push((user.to_string(), e.time));
        }
    }
    if st.users.len() >= limits.threshold && !within(e.time, st.spray_alerted, limits.window) {
        st.spray_alerted = Some(e.time);
        return Some(st.users.iter().map(|(u, _)| u.clone()).collect());
    }
    None
}
