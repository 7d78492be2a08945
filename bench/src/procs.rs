//! The processes under test: started with their output in log files, killed
//! with the benchmark (also when it fails or is killed), and measured
//! through `/proc`.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};

pub struct Proc {
    pub name: String,
    pub pid: u32,
    child: Child,
    log: PathBuf,
}

/// Every process the benchmark started. Dropping it stops them all.
#[derive(Default)]
pub struct Procs {
    list: Vec<Proc>,
}

impl Procs {
    /// Starts `command` (its program must be a path) with its output in
    /// `log_dir/<name>.log`.
    pub fn spawn(
        &mut self,
        name: &str,
        mut command: Command,
        log_dir: &Path,
    ) -> anyhow::Result<u32> {
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        // SAFETY: prctl is async-signal-safe; nothing else runs in the child
        // between fork and exec. The child is killed when the thread that
        // started it (the benchmark's main thread) dies, however it dies.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        let pid = child.id();
        self.list.push(Proc {
            name: name.to_string(),
            pid,
            child,
            log,
        });
        Ok(pid)
    }

    /// An error naming the first process that has exited, with its log's end.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        for proc in &mut self.list {
            if let Some(status) = proc.child.try_wait()? {
                bail!(
                    "{} exited ({status}); the end of {}:\n{}",
                    proc.name,
                    proc.log.display(),
                    log_tail(&proc.log, 30)
                );
            }
        }
        Ok(())
    }

    pub fn pids(&self, names: &[&str]) -> Vec<u32> {
        self.list
            .iter()
            .filter(|p| names.contains(&p.name.as_str()))
            .map(|p| p.pid)
            .collect()
    }

    /// SIGTERM to all, then SIGKILL to those still running after `grace`.
    pub fn stop_all(&mut self, grace: Duration) {
        for proc in &self.list {
            // SAFETY: kill(2) on the pid of a child we have not reaped yet.
            unsafe {
                libc::kill(proc.pid as libc::pid_t, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + grace;
        for proc in &mut self.list {
            loop {
                match proc.child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = proc.child.kill();
                        let _ = proc.child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
        self.list.clear();
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        self.stop_all(Duration::from_secs(3));
    }
}

pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A `kB` line of `/proc/<pid>/status` (`VmHWM`, `VmRSS`), in bytes.
pub fn status_bytes(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Resets the process's peak resident size (`VmHWM`) to its current size
/// (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0+).
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// User plus system CPU time the process has used so far.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(ticks_to_duration(utime + stime))
}

pub fn self_cpu_time() -> Option<Duration> {
    cpu_time(std::process::id())
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_second = if per_second > 0 {
        per_second as u64
    } else {
        100
    };
    Duration::from_secs_f64(ticks as f64 / per_second as f64)
}

/// Fails when something already listens on `port` of 127.0.0.1.
pub fn ensure_port_free(port: u16, what: &str) -> anyhow::Result<()> {
    std::net::TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_err(|e| anyhow!("port {port} for {what} is taken ({e}); pick another --port-base"))
}
