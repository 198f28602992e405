// A simulation worker. The page and its workers share the site's one wasm
// module; the page's first message says where it is (JSON: the absolute
// addresses of its wasm-bindgen glue and its wasm, which Trunk names with
// content hashes). `worker_start` then installs the worker's message
// handler and tells the page it is ready.
self.onmessage = async (e) => {
  self.onmessage = null;
  try {
    const { glue, wasm } = JSON.parse(e.data);
    const module = await import(glue);
    await module.default({ module_or_path: wasm });
    module.worker_start();
  } catch (err) {
    // Thrown from a task of its own, the error reaches the page's onerror.
    setTimeout(() => { throw err; });
  }
};
