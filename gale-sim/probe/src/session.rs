//! One probe-rs session as a `Target`.

use gale_target::{Progress, Stop, Target, TargetError};
use gale_trace::Nanos;
use probe_rs::flashing::{
    self, DownloadOptions, ElfLoader, FlashProgress, ProgressEvent, ProgressOperation,
};
use probe_rs::semihosting::SemihostingCommand;
use probe_rs::{
    BreakpointCause, CoreStatus, HaltReason, MemoryInterface, Session, VectorCatchCondition,
};
use std::time::{Duration, Instant};

pub struct ProbeTarget {
    session: Session,
    what: String,
    reset_at: Instant,
}

fn probe_err(e: impl std::fmt::Display) -> TargetError {
    TargetError::Probe(e.to_string())
}

impl ProbeTarget {
    pub(crate) fn new(session: Session, what: String) -> ProbeTarget {
        ProbeTarget {
            session,
            what,
            reset_at: Instant::now(),
        }
    }
}

impl Target for ProbeTarget {
    fn describe(&self) -> String {
        format!("probe {}", self.what)
    }

    fn flash(&mut self, elf: &[u8], progress: &mut dyn FnMut(Progress)) -> Result<(), TargetError> {
        let path = std::env::temp_dir().join(format!("gale-probe-{}.elf", std::process::id()));
        std::fs::write(&path, elf)
            .map_err(|e| TargetError::Flash(format!("cannot write {}: {e}", path.display())))?;
        let (mut done, mut total) = (0u64, 0u64);
        let mut opts = DownloadOptions::default();
        opts.verify = true;
        opts.progress = FlashProgress::new(|ev| match ev {
            ProgressEvent::Started(ProgressOperation::Erase) => progress(Progress::Erasing),
            ProgressEvent::AddProgressBar {
                operation: ProgressOperation::Program,
                total: t,
            } => total = t.unwrap_or(0),
            ProgressEvent::Progress {
                operation: ProgressOperation::Program,
                size,
                ..
            } => {
                done += size;
                progress(Progress::Programming { done, total })
            }
            ProgressEvent::Started(ProgressOperation::Verify) => progress(Progress::Verifying),
            _ => {}
        });
        let r = flashing::download_file_with_options(
            &mut self.session,
            &path,
            ElfLoader(Default::default()),
            opts,
        );
        let _ = std::fs::remove_file(&path);
        match r {
            Ok(()) => {
                progress(Progress::Done);
                Ok(())
            }
            Err(e) if e.to_string().to_lowercase().contains("verif") => {
                Err(TargetError::Flash(format!("verify: {e}")))
            }
            Err(e) => Err(TargetError::Flash(e.to_string())),
        }
    }

    fn reset_and_run(&mut self) -> Result<(), TargetError> {
        let mut core = self.session.core(0).map_err(probe_err)?;
        core.reset_and_halt(Duration::from_millis(500))
            .map_err(probe_err)?;
        core.enable_vector_catch(VectorCatchCondition::HardFault)
            .map_err(probe_err)?;
        core.run().map_err(probe_err)?;
        self.reset_at = Instant::now();
        Ok(())
    }

    fn halt(&mut self) -> Result<(), TargetError> {
        let mut core = self.session.core(0).map_err(probe_err)?;
        core.halt(Duration::from_millis(100))
            .map(drop)
            .map_err(probe_err)
    }

    fn run_for(&mut self, dt: Nanos) -> Result<Option<Stop>, TargetError> {
        std::thread::sleep(Duration::from_nanos(dt));
        let mut core = self.session.core(0).map_err(probe_err)?;
        Ok(match core.status().map_err(probe_err)? {
            CoreStatus::Halted(HaltReason::Breakpoint(BreakpointCause::Semihosting(cmd))) => {
                match cmd {
                    SemihostingCommand::ExitSuccess => Some(Stop::Exited(0)),
                    SemihostingCommand::ExitError(d) => {
                        Some(Stop::Exited(d.exit_status.unwrap_or(1) as i32))
                    }
                    // Console output and the rest: not served; let it go on.
                    _ => {
                        core.run().map_err(probe_err)?;
                        None
                    }
                }
            }
            CoreStatus::Halted(HaltReason::Exception) => {
                let pc: u32 = core
                    .read_core_reg(core.program_counter())
                    .map_err(probe_err)?;
                Some(Stop::HardFault(format!(
                    "HardFault caught (vector catch), PC {pc:#010x}"
                )))
            }
            CoreStatus::LockedUp => Some(Stop::HardFault("core locked up".into())),
            _ => None,
        })
    }

    fn now(&self) -> Nanos {
        self.reset_at.elapsed().as_nanos() as Nanos
    }

    fn read_memory(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), TargetError> {
        let mut core = self.session.core(0).map_err(probe_err)?;
        core.read(addr as u64, buf)
            .map_err(|_| TargetError::Memory {
                addr,
                len: buf.len(),
            })
    }

    fn write_memory(&mut self, addr: u32, bytes: &[u8]) -> Result<(), TargetError> {
        let mut core = self.session.core(0).map_err(probe_err)?;
        core.write(addr as u64, bytes)
            .map_err(|_| TargetError::Memory {
                addr,
                len: bytes.len(),
            })
    }
}
