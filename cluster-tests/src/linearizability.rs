//! A linearizability checker for a register (Wing & Gong's search with Lowe's memoization, as
//! Knossos and Porcupine do it): is there one order of the operations, consistent with their
//! real-time order, in which every read returns the value of the latest write before it?
//!
//! Each key is a register of its own, checked separately (linearizability is compositional).
//! An operation whose outcome is unknown (an error, a timeout, a 5xx) may have taken effect at
//! any time after it started, or never: such a write stays open-ended, such a read is dropped.

use std::collections::HashSet;

/// Nanoseconds since the start of the test.
pub type Time = u64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Wrote this (unique) value.
    Write(String),
    /// Read this value (`None`: the key did not exist).
    Read(Option<String>),
}

#[derive(Debug, Clone)]
pub struct Op {
    pub client: usize,
    pub call: Time,
    /// `None`: the outcome is unknown.
    pub ret: Option<Time>,
    pub kind: Kind,
}

/// Checks one register's history; the error names what could not be explained.
pub fn check_register(history: &[Op]) -> Result<(), String> {
    let observed: HashSet<&str> = history
        .iter()
        .filter_map(|o| if let Kind::Read(Some(v)) = &o.kind { Some(v.as_str()) } else { None })
        .collect();
    // An unknown read constrains nothing; an unknown write nobody read may as well never have
    // happened. Both go, which keeps the search small.
    let ops: Vec<&Op> = history
        .iter()
        .filter(|o| match (&o.kind, o.ret) {
            (_, Some(_)) => true,
            (Kind::Read(_), None) => false,
            (Kind::Write(v), None) => observed.contains(v.as_str()),
        })
        .collect();
    let mut search = Search { ops: &ops, done: vec![0; ops.len().div_ceil(64)], seen: HashSet::new() };
    match search.run() {
        Some(true) => Ok(()),
        Some(false) => Err(explain(&ops)),
        None => Err(format!("gave up after {STEP_LIMIT} steps ({} operations)", ops.len())),
    }
}

/// A search of possible orders: depth-first, with an explicit stack (histories have thousands
/// of operations), skipping configurations already explored.
struct Search<'a> {
    ops: &'a [&'a Op],
    /// Which operations are placed so far.
    done: Vec<u64>,
    /// (placed, value) configurations already reached.
    seen: HashSet<(Vec<u64>, Option<String>)>,
}

/// One level of the search: the operations that may go next, and which is being tried.
struct Level {
    candidates: Vec<usize>,
    next: usize,
    tried: Option<usize>,
    value_before: Option<String>,
}

const STEP_LIMIT: u64 = 20_000_000;

impl Search<'_> {
    fn is_done(&self, i: usize) -> bool {
        self.done[i / 64] & (1 << (i % 64)) != 0
    }

    fn flip(&mut self, i: usize) {
        self.done[i / 64] ^= 1 << (i % 64);
    }

    /// The operations that may be placed next, or `None` once every operation that returned is
    /// placed (open-ended writes may stay out).
    fn candidates(&self) -> Option<Vec<usize>> {
        let pending: Vec<usize> = (0..self.ops.len()).filter(|i| !self.is_done(*i)).collect();
        let first_return = pending.iter().filter_map(|i| self.ops[*i].ret).min()?;
        // Only an operation that started before every pending one returned can go next.
        Some(pending.into_iter().filter(|i| self.ops[*i].call <= first_return).collect())
    }

    /// `Some(found)`, or `None` when the step budget ran out.
    fn run(&mut self) -> Option<bool> {
        let mut value: Option<String> = None;
        let mut stack: Vec<Level> = Vec::new();
        let mut steps = 0u64;
        let mut descend = true;
        loop {
            steps += 1;
            if steps > STEP_LIMIT {
                return None;
            }
            if descend {
                let Some(candidates) = self.candidates() else {
                    return Some(true);
                };
                if self.seen.insert((self.done.clone(), value.clone())) {
                    stack.push(Level { candidates, next: 0, tried: None, value_before: value.clone() });
                }
            }
            // Try the next candidate of the deepest level, undoing the one tried before.
            let Some(level) = stack.last_mut() else {
                return Some(false);
            };
            let ops = self.ops;
            let mut placed = None;
            if let Some(prev) = level.tried.take() {
                value = level.value_before.clone();
                placed = Some(prev);
            }
            let mut chosen = None;
            while level.next < level.candidates.len() {
                let i = level.candidates[level.next];
                level.next += 1;
                match &ops[i].kind {
                    Kind::Write(v) => {
                        chosen = Some((i, Some(v.clone())));
                        break;
                    }
                    Kind::Read(seen) if *seen == value => {
                        chosen = Some((i, value.clone()));
                        break;
                    }
                    Kind::Read(_) => {}
                }
            }
            match chosen {
                Some((i, next)) => {
                    level.tried = Some(i);
                    if let Some(prev) = placed {
                        self.flip(prev);
                    }
                    self.flip(i);
                    value = next;
                    descend = true;
                }
                None => {
                    stack.pop();
                    if let Some(prev) = placed {
                        self.flip(prev);
                    }
                    descend = false;
                }
            }
        }
    }
}

/// A readable account of a failed history: the operations in call order.
fn explain(ops: &[&Op]) -> String {
    let mut sorted: Vec<&&Op> = ops.iter().collect();
    sorted.sort_by_key(|o| o.call);
    let ms = |t: Time| format!("{:.1}ms", t as f64 / 1e6);
    let lines: Vec<String> = sorted
        .iter()
        .map(|o| {
            let ret = o.ret.map_or("unknown".to_string(), ms);
            format!("  client {} [{} .. {}] {:?}", o.client, ms(o.call), ret, o.kind)
        })
        .collect();
    format!("not linearizable; the history:\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(client: usize, call: Time, ret: Option<Time>, v: &str) -> Op {
        Op { client, call, ret, kind: Kind::Write(v.into()) }
    }

    fn r(client: usize, call: Time, ret: Option<Time>, v: Option<&str>) -> Op {
        Op { client, call, ret, kind: Kind::Read(v.map(Into::into)) }
    }

    #[test]
    fn sequential_reads_see_the_last_write() {
        let h = [r(0, 0, Some(1), None), w(0, 2, Some(3), "a"), r(1, 4, Some(5), Some("a"))];
        assert!(check_register(&h).is_ok());
    }

    #[test]
    fn a_stale_read_after_a_completed_write_is_caught() {
        let h = [w(0, 0, Some(1), "a"), w(0, 2, Some(3), "b"), r(1, 4, Some(5), Some("a"))];
        let err = check_register(&h).unwrap_err();
        assert!(err.contains("not linearizable"), "{err}");
    }

    #[test]
    fn concurrent_operations_may_take_either_order() {
        // The write of b overlaps both reads: a then b is a valid order.
        let h =
            [w(0, 0, Some(1), "a"), w(1, 2, Some(10), "b"), r(2, 3, Some(4), Some("b")), r(3, 5, Some(6), Some("a"))];
        // b was read, then a again after b's read returned: a cannot come back.
        assert!(check_register(&h).is_err());
        let h =
            [w(0, 0, Some(1), "a"), w(1, 2, Some(10), "b"), r(3, 3, Some(4), Some("a")), r(2, 5, Some(6), Some("b"))];
        assert!(check_register(&h).is_ok());
    }

    #[test]
    fn an_unknown_write_may_land_late_or_never() {
        let h = [w(0, 0, None, "a"), r(1, 100, Some(101), None), r(1, 200, Some(201), Some("a"))];
        assert!(check_register(&h).is_ok());
        let never = [w(0, 0, None, "a"), r(1, 100, Some(101), None)];
        assert!(check_register(&never).is_ok());
        // But not before it started.
        let early = [r(1, 0, Some(1), Some("a")), w(0, 5, None, "a")];
        assert!(check_register(&early).is_err());
    }

    #[test]
    fn a_read_of_a_value_nobody_wrote_is_caught() {
        assert!(check_register(&[r(0, 0, Some(1), Some("x"))]).is_err());
    }
}
