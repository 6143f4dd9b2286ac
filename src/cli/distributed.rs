//! `dsmc check --processes N` and `dsmc check --hostfile FILE --process I`:
//! the processes of a distributed check ([`dsmc::distributed`]).
//!
//! With `--processes N` this process is process 0: it picks N free
//! loopback ports, starts processes 1 to N-1 as copies of itself (the same
//! arguments, plus the hidden `--process I --cluster-addresses LIST`),
//! watches them, and prints the report. A started process reads its stdin,
//! a pipe from process 0, only to see it close: when process 0 is gone, it
//! exits at once instead of waiting for a connection that will not come.
//! With `--hostfile` each process is started by hand (or by a cluster's
//! tools), and a lost process is seen as a lost connection.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dsmc::check::{Explorer, Status};
use dsmc::diagnostic::Diagnostic;
use dsmc::distributed::{Cluster, Failure, Job};

use crate::CheckArgs;

/// How long processes started by `--processes` may take to connect.
const LOCAL_CONNECT: Duration = Duration::from_secs(60);
/// How long processes of a `--hostfile` run may take to connect: they are
/// started one by one on several machines.
const CLUSTER_CONNECT: Duration = Duration::from_secs(600);

/// This process's part in a distributed check.
pub struct Distributed {
    cluster: Cluster,
    /// The processes this one started (`--processes`).
    children: Arc<Mutex<Vec<Child>>>,
    /// Raised when the check has ended, so that a process that exits then
    /// is not taken for lost.
    ended: Arc<AtomicBool>,
    /// What this process's part came to: [`ENDED`], [`LOST`] (a process
    /// was lost), or [`PENDING`].
    outcome: Arc<AtomicU8>,
    /// Started by process 0 of `--processes`, which closes this process's
    /// stdin once its report is out.
    started: bool,
}

/// The most workers (processes × threads) a distributed check numbers: a
/// stored state records its parent's worker in 16 bits
/// (src/distributed/worker/part.rs).
const MAX_WORKERS: usize = 1 << 16;

const PENDING: u8 = 0;
const ENDED: u8 = 1;
const LOST: u8 = 2;

/// The distributed check the arguments ask for, if any: the processes of
/// `--processes` started, or this process's place in `--hostfile`.
pub fn setup(args: &CheckArgs) -> Result<Option<Distributed>, Diagnostic> {
    let threads = args.threads.unwrap_or(1).max(1);
    let outcome = Arc::new(AtomicU8::new(PENDING));
    let (process, addresses, connect) = if let Some(list) = &args.cluster_addresses {
        // Started by process 0 of `--processes`.
        let process = args.process.unwrap_or(0);
        watch_parent(outcome.clone());
        let addresses = list.split(',').map(str::to_string).collect();
        (process, addresses, LOCAL_CONNECT)
    } else if let Some(path) = &args.hostfile {
        let addresses = read_hostfile(path)?;
        let process = args.process.unwrap_or(0);
        if process >= addresses.len() {
            return Err(Diagnostic::error(
                "dsmc::distributed::process",
                format!(
                    "`--process {process}` is not a line of `{}`, which lists {} processes",
                    path.display(),
                    addresses.len()
                ),
            )
            .help("processes are numbered from 0, in the order of the hostfile's lines"));
        }
        (process, addresses, CLUSTER_CONNECT)
    } else if let Some(n) = args.processes {
        if n == 0 {
            return Err(Diagnostic::error(
                "dsmc::distributed::processes",
                "`--processes 0` starts no process",
            )
            .help("give at least 1 (one process: the same as without `--processes`)"));
        }
        let cap = super::limits::max_threads();
        if n.saturating_mul(threads) > cap {
            return Err(Diagnostic::error(
                "dsmc::distributed::processes",
                format!(
                    "`--processes {n}` with {threads} thread{} each would run {} workers on \
                     this machine; it runs at most {cap}",
                    if threads == 1 { "" } else { "s" },
                    n.saturating_mul(threads)
                ),
            )
            .help(
                "results do not depend on the number of processes or threads: ask for fewer \
                 (more workers than cores only add waiting)",
            ));
        }
        (0, free_loopback_addresses(n)?, LOCAL_CONNECT)
    } else {
        return Ok(None);
    };
    if addresses.len().saturating_mul(threads) > MAX_WORKERS {
        return Err(Diagnostic::error(
            "dsmc::distributed::workers",
            format!(
                "{} processes with {threads} thread{} each are more than the {MAX_WORKERS} \
                 workers a distributed check can number",
                addresses.len(),
                if threads == 1 { "" } else { "s" },
            ),
        )
        .help("a state's parent is recorded with its worker's number in 16 bits: use fewer threads per process"));
    }
    let lost = Arc::new(AtomicBool::new(false));
    let mut distributed = Distributed {
        cluster: Cluster {
            process,
            addresses,
            threads,
            lost: lost.clone(),
            connect_timeout: connect,
        },
        children: Arc::default(),
        ended: Arc::new(AtomicBool::new(false)),
        outcome,
        started: args.cluster_addresses.is_some(),
    };
    if args.processes.is_some() && args.cluster_addresses.is_none() {
        distributed.start_children()?;
    }
    Ok(Some(distributed))
}

impl Distributed {
    /// Whether this process prints the report.
    pub fn reports(&self) -> bool {
        self.cluster.process == 0
    }

    /// The explorer for [`dsmc::check::CheckOptions::explorer`]: the
    /// distributed one, for this spec text and these constants.
    pub fn explorer(&self, source: &str, args: &CheckArgs) -> Explorer {
        let job = Job {
            source: Arc::from(source),
            overrides: args.defines.clone(),
        };
        let cluster = self.cluster.clone();
        let outcome = self.outcome.clone();
        Explorer(Arc::new(move |model, options| {
            if let Some(refused) = dsmc::distributed::refusal(options) {
                return Err(vec![refused]);
            }
            let start = Instant::now();
            match dsmc::distributed::explore(model, &job, options, &cluster) {
                Ok(Some(exploration)) => {
                    let lost = exploration
                        .stop
                        .is_some_and(|s| s.reason == dsmc::explore::StopReason::ProcessLost);
                    outcome.store(if lost { LOST } else { ENDED }, Ordering::SeqCst);
                    Ok(exploration)
                }
                Ok(None) => {
                    outcome.store(ENDED, Ordering::SeqCst);
                    Ok(placeholder(model, start))
                }
                Err(Failure::Lost) => {
                    outcome.store(LOST, Ordering::SeqCst);
                    Ok(placeholder(model, start))
                }
                Err(Failure::Init(e)) => Err(vec![dsmc::check::initial_state_error(model, &e)]),
                Err(Failure::Spec(diagnostics)) => Err(diagnostics),
                Err(Failure::Thread(why)) => Err(vec![
                    Diagnostic::error(
                        "dsmc::distributed::thread",
                        format!("a worker of this process could not start its thread: {why}"),
                    )
                    .help(
                        "the machine may be out of threads or memory: check with fewer \
                         `--threads` or `--processes`",
                    ),
                ]),
                Err(Failure::Start(why)) => Err(vec![
                    Diagnostic::error(
                        "dsmc::distributed::start",
                        format!("the processes could not connect: {why}"),
                    )
                    .help(
                        "check that every address of the hostfile is this machine's or \
                         reachable, and that its port is free",
                    ),
                ]),
            }
        }))
    }

    /// The exit status of a process other than 0, which prints no report:
    /// 3 when a process was lost, else what the check itself said.
    pub fn worker_status(&self, status: Status) -> Status {
        match self.outcome.load(Ordering::SeqCst) {
            LOST => Status::NoVerdict,
            ENDED => Status::Ok,
            _ => status,
        }
    }

    /// Starts processes 1 to N-1 and a thread that watches them: one that
    /// fails (exits with an error or a signal) before the check has ended
    /// is lost.
    fn start_children(&mut self) -> Result<(), Diagnostic> {
        let exe = std::env::current_exe().map_err(|e| cannot_start(&e.to_string()))?;
        let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
        let list = self.cluster.addresses.join(",");
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        for process in 1..self.cluster.addresses.len() {
            let child = Command::new(&exe)
                .args(&args)
                .arg("--process")
                .arg(process.to_string())
                .arg("--cluster-addresses")
                .arg(&list)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| cannot_start(&e.to_string()))?;
            children.push(child);
        }
        drop(children);
        let (lost, ended) = (self.cluster.lost.clone(), self.ended.clone());
        let children = self.children.clone();
        std::thread::Builder::new()
            .name("dsmc-processes".into())
            .spawn(move || {
                while !ended.load(Ordering::SeqCst) {
                    let mut children = children.lock().unwrap_or_else(|e| e.into_inner());
                    // A process that exits with success has finished its
                    // part: its dataflow ended, so everything it had to send
                    // was sent. Only a failure (or a signal) loses it;
                    // taking a clean exit for a loss raced with the last
                    // round of the processes still finishing theirs.
                    if children.iter_mut().any(|c| match c.try_wait() {
                        Ok(None) => false,
                        Ok(Some(status)) => !status.success(),
                        Err(_) => true,
                    }) {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    drop(children);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
            .map_err(|e| cannot_start(&e.to_string()))?;
        Ok(())
    }
}

impl Distributed {
    /// In a process started by `--processes` whose part has ended: waits
    /// until process 0 closes its stdin (`watch_parent` then exits this
    /// process). Exiting at once could cut off the last bytes its network
    /// threads were still sending, and process 0 then saw a lost process
    /// (exit 3) now and then at `--processes 2 --threads 2`. If process 0
    /// dies, the pipe closes just the same. Returns at once otherwise.
    pub fn linger_until_released(&self) {
        if self.started && self.outcome.load(Ordering::SeqCst) == ENDED {
            loop {
                std::thread::park();
            }
        }
    }
}

impl Drop for Distributed {
    /// Ends the processes this one started: they exit by themselves once
    /// their stdin closes (a process whose part has ended waits for that:
    /// [`Distributed::linger_until_released`]).
    fn drop(&mut self) {
        self.ended.store(true, Ordering::SeqCst);
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        for child in children.iter_mut() {
            drop(child.stdin.take());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for child in children.iter_mut() {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Ok(None) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }
}

/// In a process started by `--processes`: exits once stdin, a pipe from
/// process 0, closes. Process 0 closes it when its report is out, and it
/// closes too when process 0 dies. The status says what this process's
/// part came to (`outcome`): 0 when it ended (the process was waiting to
/// be let go: [`Distributed::linger_until_released`]), 3 when it did not
/// (a process was lost, or process 0 went before the end).
fn watch_parent(outcome: Arc<AtomicU8>) {
    let _ = std::thread::Builder::new()
        .name("dsmc-parent".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            let mut stdin = std::io::stdin();
            while let Ok(1) = stdin.read(&mut byte) {}
            // Process 0 lets this one go once the dataflow has ended, which
            // may be a moment before this process's own part has noted
            // that it ended: that moment is given, up to a second.
            let settled = Instant::now() + Duration::from_secs(1);
            while outcome.load(Ordering::SeqCst) == PENDING && Instant::now() < settled {
                std::thread::sleep(Duration::from_millis(10));
            }
            let status = match outcome.load(Ordering::SeqCst) {
                ENDED => Status::Ok,
                _ => Status::NoVerdict,
            };
            std::process::exit(status.exit_code() as i32);
        });
}

/// A report for a process other than 0: it prints none.
fn placeholder(model: &dsmc::model::Model, start: Instant) -> dsmc::explore::Exploration {
    dsmc::explore::Exploration {
        states: 0,
        transitions: 0,
        depth: 0,
        complete: false,
        stop: None,
        pruned: 0,
        verdicts: vec![dsmc::explore::Verdict::Unknown; model.properties.len()],
        deadlock: dsmc::explore::Verdict::Unknown,
        runtime_error: None,
        elapsed: start.elapsed(),
        liveness_elapsed: Duration::ZERO,
        memory_bytes: 0,
        coverage: Default::default(),
        symmetry: Vec::new(),
    }
}

/// N loopback addresses with ports free now (each found by binding port 0;
/// they are released just before the processes bind them again).
fn free_loopback_addresses(n: usize) -> Result<Vec<String>, Diagnostic> {
    let listeners = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cannot_start(&e.to_string()))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cannot_start(&e.to_string()))
}

fn cannot_start(why: &str) -> Diagnostic {
    Diagnostic::error(
        "dsmc::distributed::start",
        format!("the processes could not be started: {why}"),
    )
    .help("check without `--processes`, or with fewer processes")
}

/// The addresses of a hostfile: one `host:port` a line; blank lines and
/// lines starting with `#` are skipped.
fn read_hostfile(path: &Path) -> Result<Vec<String>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            "dsmc::distributed::hostfile",
            format!("cannot read the hostfile `{}`: {e}", path.display()),
        )
    })?;
    let addresses: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if let Some(bad) = addresses.iter().find(|a| {
        a.rsplit_once(':')
            .is_none_or(|(_, p)| p.parse::<u16>().is_err())
    }) {
        return Err(Diagnostic::error(
            "dsmc::distributed::hostfile",
            format!("`{bad}` in `{}` is not `host:port`", path.display()),
        )
        .help("list one `host:port` a line, such as `10.0.0.1:2101`, in process order"));
    }
    if addresses.is_empty() {
        return Err(Diagnostic::error(
            "dsmc::distributed::hostfile",
            format!("the hostfile `{}` lists no process", path.display()),
        )
        .help("list one `host:port` a line, such as `10.0.0.1:2101`, in process order"));
    }
    Ok(addresses)
}
