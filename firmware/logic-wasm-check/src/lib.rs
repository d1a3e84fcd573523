//! Builds `gale-logic-wasm` for wasm32-unknown-unknown (`--locked`, offline
//! when the cache allows, into its own target directory so it never waits
//! on the outer build's lock),
//! loads it in wasmi, and runs vectors through both builds of
//! `gale_logic::difftest::run`.

use std::path::PathBuf;
use std::process::Command;

use wasmi::{Engine, Linker, Memory, Module, Store, TypedFunc};

/// The wasm module, instantiated.
pub struct WasmLogic {
    store: Store<()>,
    memory: Memory,
    input: u32,
    output: u32,
    run: TypedFunc<(u32, u32), u32>,
}

/// Builds the module and returns the path of the .wasm file. Offline and
/// `--locked` first (the outer test build has already resolved the same
/// lock file); only if that fails (a cold cargo cache) once more with
/// network access, still `--locked`.
pub fn build_wasm() -> Result<PathBuf, String> {
    let firmware = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target_dir = firmware.join("target").join("wasm-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = |offline: bool| {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&firmware)
            .args(["build", "--locked", "--release", "--target", "wasm32-unknown-unknown", "-p", "gale-logic-wasm"])
            .arg("--target-dir")
            .arg(&target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        if offline {
            cmd.arg("--offline");
        }
        cmd.status().map_err(|e| format!("cannot run cargo to build gale-logic-wasm: {e}"))
    };
    let status = match build(true)? {
        s if s.success() => s,
        _ => build(false)?,
    };
    if !status.success() {
        return Err(format!(
            "building gale-logic-wasm for wasm32-unknown-unknown failed ({status}); is the target installed? (rustup target add wasm32-unknown-unknown)"
        ));
    }
    Ok(target_dir.join("wasm32-unknown-unknown/release/gale_logic_wasm.wasm"))
}

impl WasmLogic {
    /// Loads and instantiates the module at `path`.
    pub fn load(path: &PathBuf) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let engine = Engine::default();
        let module = Module::new(&engine, &bytes[..]).map_err(|e| format!("{}: not a valid wasm module: {e}", path.display()))?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).map_err(|e| format!("instantiate: {e}"))?;
        let memory = instance.get_memory(&store, "memory").ok_or("the module exports no memory")?;
        let ptr = |name: &str, store: &mut Store<()>| -> Result<u32, String> {
            let f = instance.get_typed_func::<(), u32>(&*store, name).map_err(|e| format!("{name}: {e}"))?;
            f.call(store, ()).map_err(|e| format!("{name}: {e}"))
        };
        let input = ptr("input_ptr", &mut store)?;
        let output = ptr("output_ptr", &mut store)?;
        let run = instance.get_typed_func::<(u32, u32), u32>(&store, "run").map_err(|e| format!("run: {e}"))?;
        Ok(WasmLogic { store, memory, input, output, run })
    }

    /// `difftest::run(kind, input)` inside wasm; the output bytes.
    pub fn run(&mut self, kind: u8, input: &[u8]) -> Result<Vec<u8>, String> {
        self.memory.write(&mut self.store, self.input as usize, input).map_err(|e| format!("write input: {e}"))?;
        let n = self.run.call(&mut self.store, (kind as u32, input.len() as u32)).map_err(|e| format!("wasm trapped: {e}"))?;
        let mut out = vec![0; n as usize];
        self.memory.read(&self.store, self.output as usize, &mut out).map_err(|e| format!("read output: {e}"))?;
        Ok(out)
    }
}

/// Output capacity of the wasm module (`gale-logic-wasm` OUTPUT_CAP).
pub const OUTPUT_CAP: usize = 64 * 1024;
/// Input capacity of the wasm module.
pub const INPUT_CAP: usize = 16 * 1024;

/// `difftest::run` natively with the same output capacity.
pub fn run_native(kind: u8, input: &[u8]) -> Vec<u8> {
    let mut out = vec![0; OUTPUT_CAP];
    let n = gale_logic::difftest::run(kind, input, &mut out);
    out.truncate(n);
    out
}
