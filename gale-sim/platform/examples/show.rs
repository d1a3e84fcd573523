//! `cargo run -p gale-platform --example show -- <platform> [peripheral]`:
//! the same views as `gale-sim platform show|regs`, without the CLI.

use gale_platform::{find_repo_root, show, Platform};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        eprintln!("usage: show <platform> [peripheral]");
        std::process::exit(2);
    };
    let run = || -> Result<String, gale_platform::PlatformError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root =
            find_repo_root(&cwd).ok_or(gale_platform::PlatformError::NoRepoRoot { path: cwd })?;
        let t = std::time::Instant::now();
        let p = Platform::load(&root, name)?;
        eprintln!("loaded {name} in {:?}", t.elapsed());
        match args.get(1) {
            Some(periph) => show::registers(&p, periph),
            None => Ok(show::memory_map(&p)),
        }
    };
    match run() {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
