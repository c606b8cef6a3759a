"""The running emulator: the ASGI app's assembly (app), uvicorn on a pre-bound socket (runner),
one emulator's state and settings (state, config), work started without awaiting it
(background), HTTPS (tls), the console story (console, control_console) and the request
journal (journal). Nothing is imported here: `faxage-sim serve` loads only what it uses."""
