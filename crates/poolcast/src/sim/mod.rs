//! The simulation room: the discrete-event engine (`engine`: the loop and
//! the state) and every component model, each in its own file: a
//! request's path (`flow`), connections (`lifecycle`), databases (`db`,
//! `ps`), the proxy, services, serverless functions, closed-loop users,
//! retries and timed events; the event queue (`queue`, `heap`); and the
//! report built from what was measured (`summary`, `partial`). It reads the
//! input room and writes into the measure room; nothing outside this room
//! touches the engine but through `crate::Sim`.

pub(crate) mod db;
pub(crate) mod engine;
pub(crate) mod flow;
pub(crate) mod heap;
pub(crate) mod lifecycle;
pub(crate) mod partial;
pub(crate) mod pool;
pub(crate) mod proxy;
pub(crate) mod ps;
pub(crate) mod queue;
pub(crate) mod retry;
pub(crate) mod serverless;
pub(crate) mod services;
pub(crate) mod summary;
pub(crate) mod timed;
pub(crate) mod users;
