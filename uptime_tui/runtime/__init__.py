"""The runtime: where the running system is put together, in one place.

`assembly.Runtime` builds the engine and what the engine must not know of: the probe client
(HTTP, DNS, TLS), the notifier, the listener (pings and the API), the config watcher and the demo
targets; it starts and stops them in order. `serve` runs it on the current asyncio loop (the
`serve` command); `engine_thread.EngineThread` runs it on a thread of its own (the console).
"""
