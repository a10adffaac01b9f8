//! Finding files: `include`/`exclude` globs (`**` allowed, `*` stops at `/`),
//! matched while walking only the directories a pattern can reach, plus an
//! inotify watcher on those directories that wakes the engine early.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use tracing::debug;

/// The compiled globs and where to look for them.
#[derive(Clone, Debug)]
pub struct Matcher {
    include: GlobSet,
    exclude: GlobSet,
    has_exclude: bool,
    roots: Vec<Root>,
}

/// A directory to walk and how deep (`None`: no limit, for `**`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Root {
    dir: PathBuf,
    depth: Option<usize>,
}

/// Escape glob metacharacters in a literal path.
pub fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A literal directory as the walker names the files in it (absolute, no
/// trailing slash): `directory/x` has parent `literal_dir(directory)`.
pub fn literal_dir(dir: &str) -> PathBuf {
    root_of(&absolute(&format!("{}/x", escape(dir.trim_end_matches('/'))))).dir
}

fn has_meta(component: &str) -> bool {
    let mut escaped = false;
    for c in component.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' | '{' => return true,
            _ => {}
        }
    }
    false
}

fn unescape(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    let mut escaped = false;
    for c in component.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// Relative patterns are relative to the working directory, as in otelcol.
fn absolute(pattern: &str) -> String {
    if pattern.starts_with('/') {
        return pattern.to_string();
    }
    let cwd = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_else(|_| ".".into());
    format!("{}/{}", escape(cwd.trim_end_matches('/')), pattern.trim_start_matches("./"))
}

/// The literal directory a pattern starts in, and how many components follow.
fn root_of(pattern: &str) -> Root {
    let comps: Vec<&str> = pattern.split('/').collect();
    let last = comps.len() - 1;
    let split = comps.iter().position(|c| has_meta(c)).unwrap_or(last).min(last);
    let dir: Vec<String> = comps[..split].iter().map(|c| unescape(c)).collect();
    let dir = dir.join("/");
    let rest = &comps[split..];
    Root {
        dir: PathBuf::from(if dir.is_empty() { "/".to_string() } else { dir }),
        depth: if rest.iter().any(|c| c.contains("**")) { None } else { Some(rest.len()) },
    }
}

fn glob_set(patterns: &[String], key: &str) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(&absolute(p))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("{key}: invalid glob {p:?}: {e}"))?;
        b.add(glob);
    }
    b.build().map_err(|e| format!("{key}: {e}"))
}

impl Matcher {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Matcher, String> {
        let mut roots: Vec<Root> = Vec::new();
        for p in include {
            let r = root_of(&absolute(p));
            if !roots.contains(&r) {
                roots.push(r);
            }
        }
        Ok(Matcher {
            include: glob_set(include, "include")?,
            exclude: glob_set(exclude, "exclude")?,
            has_exclude: !exclude.is_empty(),
            roots,
        })
    }

    /// Every file (a symlink counts as the file it points to) matching an
    /// include pattern and no exclude pattern, sorted and without repeats;
    /// and the directories walked (where new files may appear).
    pub fn find(&self) -> (Vec<PathBuf>, HashSet<PathBuf>) {
        let mut found = HashSet::new();
        let mut dirs = HashSet::new();
        for root in &self.roots {
            self.walk(&root.dir, root.depth, &mut found, &mut dirs);
        }
        let mut v: Vec<PathBuf> = found.into_iter().collect();
        v.sort();
        (v, dirs)
    }

    pub fn is_match(&self, path: &Path) -> bool {
        self.include.is_match(path) && !self.exclude.is_match(path)
    }

    /// A directory whose every descendant is excluded is not walked at all
    /// (Teleport's `sessions/` and `records/` can be large).
    fn pruned(&self, dir: &Path) -> bool {
        self.has_exclude
            && self.exclude.is_match(dir.join("\u{1}"))
            && self.exclude.is_match(dir.join("\u{1}").join("\u{1}"))
    }

    fn walk(&self, dir: &Path, depth: Option<usize>, found: &mut HashSet<PathBuf>, dirs: &mut HashSet<PathBuf>) {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                debug!(dir = %dir.display(), error = %e, "cannot list directory");
                return;
            }
        };
        dirs.insert(dir.to_path_buf());
        let deeper = depth.is_none_or(|d| d > 1);
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if deeper && !self.pruned(&path) {
                    self.walk(&path, depth.map(|d| d - 1), found, dirs);
                }
                continue;
            }
            // Symlinks count as what they point to; symlinked directories are
            // not followed (no loops).
            let is_file = ft.is_file() || (ft.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file()));
            if is_file && self.is_match(&path) {
                found.insert(path);
            }
        }
    }
}

/// Paths inotify reported as changed since the engine last looked.
#[derive(Debug, Default)]
pub struct Changes {
    /// Files whose content or metadata changed.
    pub paths: HashSet<PathBuf>,
    /// Files were created, removed or renamed, or too many changed to list:
    /// look at everything.
    pub structure: bool,
}

/// Changed paths kept at most before falling back to a full poll.
const MAX_CHANGES: usize = 1024;

/// Wakes the engine when something changes in a watched directory, noting what changed.
pub struct Watcher {
    inner: notify::RecommendedWatcher,
    watched: HashSet<PathBuf>,
}

impl Watcher {
    /// `None` when inotify is unavailable (then polling alone finds changes).
    pub fn new(changes: Arc<Mutex<Changes>>, wake: impl Fn() + Send + 'static) -> Option<Watcher> {
        let handler = move |res: notify::Result<notify::Event>| {
            let Ok(ev) = res else { return };
            // Reading a file makes access events; they must not wake us again.
            if matches!(ev.kind, notify::EventKind::Access(_)) {
                return;
            }
            {
                use notify::event::ModifyKind;
                let mut c = changes.lock().unwrap_or_else(PoisonError::into_inner);
                let content = matches!(
                    ev.kind,
                    notify::EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Metadata(_) | ModifyKind::Any)
                );
                if !content || ev.paths.is_empty() || c.paths.len() + ev.paths.len() > MAX_CHANGES {
                    c.structure = true;
                } else {
                    c.paths.extend(ev.paths);
                }
            }
            wake();
        };
        match notify::recommended_watcher(handler) {
            Ok(inner) => Some(Watcher { inner, watched: HashSet::new() }),
            Err(e) => {
                debug!(error = %e, "inotify unavailable; relying on polling");
                None
            }
        }
    }

    /// Watch `dirs` (not recursively), and stop watching directories not
    /// listed. True when a directory was added: what changed in it before the
    /// watch began is only seen by walking it again.
    pub fn set(&mut self, dirs: HashSet<PathBuf>) -> bool {
        let mut added = false;
        use notify::Watcher as _;
        let stale: Vec<PathBuf> = self.watched.difference(&dirs).cloned().collect();
        for d in stale {
            let _ = self.inner.unwatch(&d);
            self.watched.remove(&d);
        }
        for d in dirs {
            if self.watched.contains(&d) {
                continue;
            }
            match self.inner.watch(&d, notify::RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(d);
                    added = true;
                }
                Err(e) => debug!(dir = %d.display(), error = %e, "cannot watch directory; polling it"),
            }
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x").unwrap();
    }

    #[test]
    fn roots_and_depths() {
        assert_eq!(root_of("/var/log/*.log"), Root { dir: "/var/log".into(), depth: Some(1) });
        assert_eq!(root_of("/var/log/app.log"), Root { dir: "/var/log".into(), depth: Some(1) });
        assert_eq!(root_of("/var/*/x/*.log"), Root { dir: "/var".into(), depth: Some(3) });
        assert_eq!(root_of("/var/log/**/*.log"), Root { dir: "/var/log".into(), depth: None });
        assert_eq!(root_of(r"/d\[1\]/*.log"), Root { dir: "/d[1]".into(), depth: Some(1) });
        assert_eq!(root_of("/*.log"), Root { dir: "/".into(), depth: Some(1) });
    }

    #[test]
    fn finds_with_globs() {
        let dir = tempfile::tempdir().unwrap();
        let base = escape(&dir.path().to_string_lossy());
        for f in ["a.log", "b.txt", "sub/c.log", "sub/deep/d.log", "skip/e.log"] {
            touch(&dir.path().join(f));
        }
        std::os::unix::fs::symlink(dir.path().join("a.log"), dir.path().join("link.log")).unwrap();
        let rel = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned()).collect()
        };
        let m = Matcher::new(&[format!("{base}/*.log")], &[]).unwrap();
        assert_eq!(rel(m.find().0), ["a.log", "link.log"]);
        let m = Matcher::new(&[format!("{base}/**/*.log")], &[format!("{base}/skip/**")]).unwrap();
        let (files, dirs) = m.find();
        assert_eq!(rel(files), ["a.log", "link.log", "sub/c.log", "sub/deep/d.log"]);
        assert_eq!(dirs.len(), 3, "skip/ is pruned: {dirs:?}");
        let m = Matcher::new(&[format!("{base}/*/*.log")], &[]).unwrap();
        assert_eq!(rel(m.find().0), ["skip/e.log", "sub/c.log"]);
        assert!(!m.pruned(Path::new("/x")));
        let m = Matcher::new(&[format!("{base}/*/*.log")], &[format!("{base}/skip/**")]).unwrap();
        assert!(m.pruned(&dir.path().join("skip")));
        assert!(!m.pruned(&dir.path().join("sub")));
    }

    #[test]
    fn bad_glob_is_an_error() {
        let e = Matcher::new(&["/x/[a".to_string()], &[]).unwrap_err();
        assert!(e.starts_with("include: invalid glob \"/x/[a\""), "{e}");
    }
}
