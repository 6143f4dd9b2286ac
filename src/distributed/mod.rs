//! Exploration across processes and machines, on timely dataflow.
//!
//! Every process of a distributed check runs the same breadth-first search
//! as [`crate::explore`], with the visited set cut into partitions: timely
//! worker `w` of `W` (all threads of all processes) owns the states whose
//! hash, as stored (packed, and under symmetry the orbit representative:
//! [`crate::explore::Generator::place`]), is `w` modulo `W`, stores them
//! in the single process's shards with their parent links, and tests them.
//! Successors come from the single process's own phase 1
//! ([`crate::explore::Generator::expand`]: the packed step path or the step
//! cache, step properties, deadlocks, coverage, representatives). Timely's exchange channels carry
//! each new state to its owner, and its progress tracking says when every
//! message of a round has arrived everywhere, which ends each round of a
//! BFS level without a barrier of our own ([`worker`]).
//!
//! The results are those of one process, whatever the number of processes
//! and threads: a state's parent is its first generator in (frontier
//! position, step index) order, and the frontier positions are global,
//! computed each level by ranking the new states' keys across workers. So
//! counts, verdicts and traces are the single-process ones.
//!
//! The module does no printing and starts no process: the CLI
//! (`src/cli/distributed.rs`) starts the processes, and hands each one a
//! [`Cluster`].
//!
//! Liveness: after a complete search every worker sends its states, keys
//! and parents to worker 0 of process 0, which runs the single-process
//! liveness phase on them ([`crate::explore::gathered_liveness`]), so that
//! verdicts and lassos are the single-process ones; process 0 then holds
//! the whole graph.
//!
//! Not yet distributed, and refused before the search ([`refusal`]):
//! checkpoints.

mod worker;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::diagnostic::Diagnostic;
use crate::explore::{Exploration, Options, Stop, StopReason};
use crate::front::Override;
use crate::model::{InitError, Model};

/// What the levels completed so far established, as worker 0 of process 0
/// last heard: what the report says when a process is lost.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Partial {
    pub states: u64,
    pub transitions: u64,
    pub pruned: u64,
    pub depth: u32,
}

/// One process's place in a distributed check.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// This process's index into `addresses`; process 0 reports.
    pub process: usize,
    /// `host:port` of every process, in process order (timely's hostfile).
    pub addresses: Vec<String>,
    /// Timely workers (threads) in each process; the same in all of them.
    pub threads: usize,
    /// Raised from outside when a process is known to be lost (the CLI
    /// watches the processes it started): the search stops at once.
    pub lost: Arc<AtomicBool>,
    /// How long to wait for every process to connect.
    pub connect_timeout: Duration,
}

/// Why a distributed check did not give this process a report.
#[derive(Debug)]
pub enum Failure {
    /// No initial state, or computing them failed (every process finds the
    /// same).
    Init(InitError),
    /// The spec did not compile in a worker (it did in the caller: the
    /// processes were given different specs or constants).
    Spec(Vec<Diagnostic>),
    /// Timely could not start: an address is bad or taken.
    Start(String),
    /// A worker could not start the thread its search runs on (the
    /// machine is out of threads or memory).
    Thread(String),
    /// Another process was lost (this one is not process 0, which reports
    /// it in its exploration instead).
    Lost,
}

/// The spec text and constants every worker compiles its own model from:
/// timely's workers run on threads of their own, each with its own model,
/// so nothing but plain data crosses into them.
#[derive(Clone, Debug)]
pub struct Job {
    /// The spec's text.
    pub source: Arc<str>,
    /// The `-D` overrides of its constants, as given.
    pub overrides: Vec<Override>,
}

/// Why a spec cannot be checked across processes yet, as a diagnostic for
/// the user: checkpoints; `None` when it can.
pub fn refusal(options: &Options) -> Option<Diagnostic> {
    if options.checkpoint.is_some() || options.resume.is_some() {
        return Some(
            Diagnostic::error(
                "dsmc::distributed::checkpoint",
                "a distributed check cannot write or resume checkpoints yet",
            )
            .help("drop `--checkpoint` and `--resume`, or check in a single process"),
        );
    }
    None
}

/// Runs this process's part of a distributed check: its workers join the
/// others' over the network and explore. Process 0 gets the whole
/// exploration; the others get `Ok(None)` once the check has ended, or
/// [`Failure::Lost`].
/// When a process is lost, the exploration (process 0's) says so: it is
/// incomplete, stopped by [`StopReason::ProcessLost`], with what the levels
/// before established unknown.
pub fn explore(
    model: &Model,
    job: &Job,
    options: &Options,
    cluster: &Cluster,
) -> Result<Option<Exploration>, Failure> {
    use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
    use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
    let start = Instant::now();
    let threads = cluster.threads.max(1);
    let partial = Arc::new(Mutex::new(Partial::default()));
    // The sockets are connected here rather than by timely, whose own
    // connecting prints on stdout (which belongs to the report) and polls
    // once a second.
    let sockets = match connect(cluster, start + cluster.connect_timeout) {
        Ok(sockets) => sockets,
        Err(Connect::Lost) => {
            return match cluster.process {
                0 => Ok(Some(lost_exploration(model, options, start, &partial))),
                _ => Err(Failure::Lost),
            };
        }
        Err(Connect::Io(e)) => return Err(Failure::Start(e.to_string())),
    };
    let hooks = timely::communication::Hooks::default();
    let local =
        ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), hooks.spill.clone());
    let (builders, comms) =
        initialize_networking_from_sockets(local, sockets, cluster.process, threads, hooks)
            .map_err(|e| Failure::Start(e.to_string()))?;
    let builders: Vec<AllocatorBuilder> = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
    let (tx, rx) = std::sync::mpsc::channel::<worker::Reply>();
    let tx = std::sync::Mutex::new(tx);
    let lost = cluster.lost.clone();
    let partial_w = partial.clone();
    let job = job.clone();
    let worker_options = Options {
        checkpoint: None,
        resume: None,
        ..options.clone()
    };
    let process = cluster.process;
    quiet_lost_connections();
    // Timely's `execute` waits for every process to connect, so it runs on
    // a thread of its own while this one watches for the end, a lost
    // process, or a connection that never comes.
    let mut runner = std::thread::Builder::new()
        .name("dsmc-timely".into())
        .spawn(move || {
            let guards = timely::execute::execute_from(
                builders,
                Box::new(comms),
                timely::WorkerConfig::default(),
                move |w| {
                    let tx = tx.lock().map(|t| t.clone());
                    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        worker::run(w, &job, &worker_options, &lost, process, &partial_w)
                    }));
                    let reply = match reply {
                        Ok(reply) => reply,
                        Err(_) => {
                            lost.store(true, Ordering::SeqCst);
                            worker::Reply::Lost
                        }
                    };
                    let failed = !matches!(reply, worker::Reply::Done(_));
                    if let Ok(tx) = tx {
                        let _ = tx.send(reply);
                    }
                    if failed {
                        // The dataflow cannot end without the lost process:
                        // this thread waits here until the process exits.
                        loop {
                            std::thread::park();
                        }
                    }
                },
            );
            match guards {
                Ok(guards) => {
                    drop(guards);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
        .map(Some)
        .map_err(|e| Failure::Start(e.to_string()))?;
    let mut replies = 0;
    let mut exploration = None;
    let mut lost_while = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(worker::Reply::Done(result)) => {
                if let Some(e) = result {
                    exploration = Some(*e);
                }
                replies += 1;
            }
            Ok(worker::Reply::Init(e)) => return Err(Failure::Init(e)),
            Ok(worker::Reply::Spec(d)) => return Err(Failure::Spec(d)),
            Ok(worker::Reply::Thread(why)) => return Err(Failure::Thread(why)),
            Ok(worker::Reply::Lost) => {
                lost_while = true;
                break;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if replies == threads {
            break;
        }
        if runner.as_ref().is_some_and(|r| r.is_finished()) && replies < threads {
            // The runner ends once every worker has returned, which may be
            // before this loop has read all their replies: take those in
            // first (reading only one and calling the rest lost reported
            // a lost process, exit 3, now and then at 2 threads).
            while let Ok(reply) = rx.try_recv() {
                match reply {
                    worker::Reply::Done(result) => {
                        exploration = exploration.or(result.map(|e| *e));
                        replies += 1;
                    }
                    worker::Reply::Init(e) => return Err(Failure::Init(e)),
                    worker::Reply::Spec(d) => return Err(Failure::Spec(d)),
                    worker::Reply::Thread(why) => return Err(Failure::Thread(why)),
                    worker::Reply::Lost => {
                        lost_while = true;
                        break;
                    }
                }
            }
            if replies == threads && !lost_while {
                break;
            }
            // Timely could not start (a bad address, a port taken).
            if let Some(Ok(Err(e))) = runner.take().map(|r| r.join()) {
                return Err(Failure::Start(e));
            }
            lost_while = true;
            break;
        }
        if cluster.lost.load(Ordering::SeqCst) {
            // A process that ends right after the check is not lost: the
            // replies of this process's workers may be on their way.
            while replies < threads {
                match rx.recv_timeout(Duration::from_millis(200)) {
                    Ok(worker::Reply::Done(result)) => {
                        exploration = exploration.or(result.map(|e| *e));
                        replies += 1;
                    }
                    _ => break,
                }
            }
            lost_while = replies < threads;
            break;
        }
    }
    if lost_while {
        // The workers may be blocked on the lost process: they are left to
        // end with this process.
        return match cluster.process {
            0 => Ok(Some(lost_exploration(model, options, start, &partial))),
            _ => Err(Failure::Lost),
        };
    }
    // Every worker has replied: the dataflow ends once every process's
    // inputs are closed, which they are; waiting for it lets the last
    // messages reach the other processes before this one exits.
    if let Some(runner) = runner {
        let _ = runner.join();
    }
    Ok(exploration)
}

/// Why the processes did not connect.
enum Connect {
    /// A process did not connect in time, or was lost meanwhile.
    Lost,
    Io(std::io::Error),
}

/// Connects this process to every other, as timely does: each process
/// listens on its address, connects to every process before it and sends
/// its index, and accepts a connection from every process after it. The
/// sockets, by process (`None` for this one).
fn connect(
    cluster: &Cluster,
    deadline: Instant,
) -> Result<Vec<Option<std::net::TcpStream>>, Connect> {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let me = cluster.process;
    let n = cluster.addresses.len();
    let wait = || {
        if cluster.lost.load(Ordering::SeqCst) || Instant::now() >= deadline {
            return Err(Connect::Lost);
        }
        std::thread::sleep(Duration::from_millis(10));
        Ok(())
    };
    // Listening first, so that a later process's connection waits in the
    // backlog while this one connects to the earlier ones.
    let listener = TcpListener::bind(cluster.addresses[me].as_str()).map_err(Connect::Io)?;
    listener.set_nonblocking(true).map_err(Connect::Io)?;
    let mut sockets: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    for (index, address) in cluster.addresses.iter().enumerate().take(me) {
        let mut stream = loop {
            match TcpStream::connect(address.as_str()) {
                Ok(stream) => break stream,
                Err(_) => wait()?,
            }
        };
        stream.set_nodelay(true).map_err(Connect::Io)?;
        stream
            .write_all(&(me as u64).to_le_bytes())
            .map_err(Connect::Io)?;
        sockets[index] = Some(stream);
    }
    let mut missing = n - me - 1;
    while missing > 0 {
        match listener.accept() {
            Ok((mut stream, _)) => {
                stream.set_nonblocking(false).map_err(Connect::Io)?;
                stream.set_nodelay(true).map_err(Connect::Io)?;
                let mut index = [0u8; 8];
                stream.read_exact(&mut index).map_err(Connect::Io)?;
                let index = u64::from_le_bytes(index) as usize;
                if index <= me || index >= n || sockets[index].is_some() {
                    return Err(Connect::Io(std::io::Error::other(format!(
                        "a connection claimed to be process {index}"
                    ))));
                }
                sockets[index] = Some(stream);
                missing -= 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => wait()?,
            Err(e) => return Err(Connect::Io(e)),
        }
    }
    Ok(sockets)
}

/// What process 0 reports when a process is lost: the states, transitions
/// and depth of the levels completed before (`partial`), marked
/// incomplete, and no verdict established.
fn lost_exploration(
    model: &Model,
    options: &Options,
    start: Instant,
    partial: &Mutex<Partial>,
) -> Exploration {
    let partial = *partial.lock().unwrap_or_else(|e| e.into_inner());
    let verdicts = (0..model.properties.len())
        .map(|p| match options.checks(p) {
            true => crate::explore::Verdict::Unknown,
            false => crate::explore::Verdict::NotSelected,
        })
        .collect();
    Exploration {
        states: partial.states,
        transitions: partial.transitions,
        depth: partial.depth,
        complete: false,
        stop: Some(Stop {
            reason: StopReason::ProcessLost,
            in_liveness: false,
        }),
        pruned: partial.pruned,
        verdicts,
        deadlock: match model.check_deadlock {
            true => crate::explore::Verdict::Unknown,
            false => crate::explore::Verdict::Unchecked,
        },
        runtime_error: None,
        elapsed: start.elapsed(),
        liveness_elapsed: Duration::ZERO,
        memory_bytes: 0,
        coverage: crate::explore::Coverage::new(model),
        // The counts are of representatives: say so, as a complete report
        // does.
        symmetry: crate::explore::symmetry_of(model, options),
    }
}

/// Keeps the panics of a lost connection (timely's network threads panic
/// when a peer's socket closes, and its workers then find their queues
/// poisoned) off the terminal: they are reported as a lost process.
fn quiet_lost_connections() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if text.starts_with("timely communication error")
                || text.contains("MergeQueue poisoned")
            {
                return;
            }
            default(info);
        }));
    });
}
