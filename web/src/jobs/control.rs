//! What a running job shares between the solver's thread and the task that
//! keeps its lease: progress to report, and a flag to stop early.
//!
//! The optimiser has no cancel hook. `triads::plan` calls its progress
//! callback after each component of the compatibility graph is solved, from
//! the rayon workers; once the flag is set, that callback unwinds with a
//! private payload (`resume_unwind`, which prints nothing), rayon carries it
//! to the caller, and [`run_stoppable`] turns it back into [`Halt::Stopped`].
//! So a cancelled or lost job stops after the components in flight, without
//! any change to the optimiser's API. Steps without a callback (the schedule,
//! the allocation: each well under a second at an authority's scale) run to
//! their end, and their result is dropped.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use store::jobs::Progress;

#[derive(Debug, Default)]
pub struct Control {
    stop: AtomicBool,
    done: AtomicUsize,
    total: AtomicUsize,
    phase: Mutex<String>,
}

/// The unwinding payload of a stopped job.
struct Stopped;

/// Why a step did not return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// [`Control::stop`] was called.
    Stopped,
    /// The step panicked (a defect): the message.
    Panicked(String),
}

impl Control {
    /// Asks the running step to stop at its next progress call.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Starts a phase: its words for the SIM, progress back to 0 of `total`.
    pub fn phase(&self, words: &str, total: usize) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = words.to_string();
        self.done.store(0, Ordering::SeqCst);
        self.total.store(total, Ordering::SeqCst);
    }

    /// The optimiser's progress callback. Unwinds out of the step once the
    /// job is to stop (see the module's comment).
    pub fn progress(&self, done: usize, total: usize) {
        self.done.store(done, Ordering::SeqCst);
        self.total.store(total, Ordering::SeqCst);
        self.checkpoint();
    }

    /// Unwinds out of the step if the job is to stop.
    pub fn checkpoint(&self) {
        if self.stopped() {
            resume_unwind(Box::new(Stopped));
        }
    }

    /// What a heartbeat reports.
    pub fn snapshot(&self) -> Progress {
        let phase = self.phase.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let done = self.done.load(Ordering::SeqCst);
        let total = self.total.load(Ordering::SeqCst);
        Progress {
            done: i64::try_from(done).unwrap_or(i64::MAX),
            total: i64::try_from(total).unwrap_or(i64::MAX),
            message: if total > 0 {
                format!("{phase}: {done} of {total}")
            } else {
                phase
            },
        }
    }
}

/// Runs a step, turning a stop or a panic into a [`Halt`].
pub fn run_stoppable<T>(step: impl FnOnce() -> T) -> Result<T, Halt> {
    catch_unwind(AssertUnwindSafe(step)).map_err(|payload| {
        if payload.is::<Stopped>() {
            Halt::Stopped
        } else {
            Halt::Panicked(panic_message(payload.as_ref()))
        }
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use optimiser::triads::{self, TriadProblem};
    use sample::synth::{generate, SampleSpec};

    #[test]
    fn a_stop_unwinds_out_of_the_optimisers_rayon_workers() {
        let sample = generate(&SampleSpec::default());
        let problem = TriadProblem {
            year: 2026,
            schools: sample.schools,
            ..TriadProblem::default()
        };
        let c = Control::default();
        c.phase("forming groups", 0);
        let full = run_stoppable(|| triads::plan(&problem, &|d, t| c.progress(d, t)));
        assert!(matches!(full, Ok(Ok(_))));
        assert!(c.snapshot().total > 1, "the sample has several components");
        c.stop();
        let stopped = run_stoppable(|| triads::plan(&problem, &|d, t| c.progress(d, t)));
        assert!(matches!(stopped, Err(Halt::Stopped)));
        assert_eq!(run_stoppable(|| 2 + 2), Ok(4));
        let p = run_stoppable(|| -> u8 { panic!("boom") });
        assert_eq!(p, Err(Halt::Panicked("boom".into())));
    }

    #[test]
    fn snapshots_name_the_phase_and_the_count() {
        let c = Control::default();
        c.phase("forming groups", 5);
        c.progress(2, 5);
        let s = c.snapshot();
        assert_eq!((s.done, s.total), (2, 5));
        assert_eq!(s.message, "forming groups: 2 of 5");
        c.phase("dating reviews", 0);
        assert_eq!(c.snapshot().message, "dating reviews");
    }
}
