//! RTT through the engine: plain-text up-channel (with ring wrap and a
//! blocking writer) and a down-channel line echoed back.

mod support;

use gale_engine::{Limits, Machine, StopReason};
use support::{image, Board};

#[test]
fn rtt_up_text_and_down_echo() {
    for board in [Board::An385, Board::An500] {
        let mut m = Machine::new(board.spec("rtt")).unwrap();
        m.load_elf(&image(board, "rtt")).unwrap();
        let limits = Limits {
            time: 1_000_000_000,
            instructions: 100_000_000,
        };
        let mut up = Vec::new();
        let mut t = 0;
        let mut sent = false;
        let stop = loop {
            t += 20_000;
            let stop = m.run_until(t, &limits).unwrap();
            up.extend(m.rtt_read_up(0));
            if !sent && up.ends_with(b"line 09 of rtt text\n") {
                assert_eq!(m.rtt_write_down(0, b"ping\n"), 5);
                sent = true;
            }
            if stop != StopReason::TimeReached {
                break stop;
            }
        };
        assert_eq!(
            stop,
            StopReason::Exited { code: 0 },
            "{board:?}: up so far {:?}",
            String::from_utf8_lossy(&up)
        );
        up.extend(m.rtt_read_up(0));
        let text = String::from_utf8(up).unwrap();
        let mut want: String = (0..10)
            .map(|i| format!("line {i:02} of rtt text\n"))
            .collect();
        want.push_str("echo: PING\n");
        assert_eq!(text, want, "{board:?}");
        assert_eq!(m.rtt_read_up(1), b"", "no second up channel");
        assert_eq!(m.rtt_write_down(3, b"x"), 0, "no such down channel");
    }
}
