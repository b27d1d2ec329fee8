/// The wallboard's style and script, served from the binary (`/static/...`): no CDN, no
/// external font, and a Content-Security-Policy that allows this origin's files only.
enum WallboardAssets {
    static let css = """
        :root { --bg: #f6f7f9; --fg: #1b1f24; --tile: #ffffff; --muted: #5b6470; --ok: #1f8a3b; --warn: #c77700; --alert: #c62828; }
        body.dark { --bg: #0f1216; --fg: #e8ebef; --tile: #1a1f26; --muted: #9aa4b1; --ok: #3fbf63; --warn: #f0a020; --alert: #ff5a4f; }
        body { margin: 0; padding: 1.5vw; background: var(--bg); color: var(--fg); font: 1.1vw/1.35 system-ui, sans-serif; }
        header h1 { font-size: 1.2vw; font-weight: normal; color: var(--muted); margin: 0 0 1vw; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(22vw, 1fr)); gap: 1vw; }
        .tile { background: var(--tile); border-left: 0.6vw solid var(--ok); padding: 0.8vw 1.2vw; border-radius: 0.4vw; }
        .tile.level-warn { border-color: var(--warn); } .tile.level-alert { border-color: var(--alert); }
        .tile h2 { margin: 0; font-size: 1.8vw; }
        .tile .waiting .n { font-size: 4vw; font-weight: bold; }
        .tile dl { display: grid; grid-template-columns: auto auto; gap: 0.1vw 1vw; margin: 0.5vw 0 0; }
        .tile dt { color: var(--muted); } .tile dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
        .level-warn.sl { color: var(--warn); } .level-alert.sl { color: var(--alert); }
        .lower { display: grid; grid-template-columns: 3fr 2fr; gap: 1.5vw; align-items: start; }
        section.agents, section.missed { margin-top: 1vw; }
        section.agents h2, section.missed h2 { font-size: 1.4vw; margin: 0 0 0.5vw; }
        table { border-collapse: collapse; width: 100%; background: var(--tile); }
        th, td { text-align: left; padding: 0.15vw 0.6vw; border-bottom: 1px solid var(--bg); font-variant-numeric: tabular-nums; }
        tr.state-available .state { color: var(--ok); } tr.state-acd_call .state { color: var(--warn); }
        tr.state-nonacd_call .state { color: #2f74c0; } tr.state-wrapup .state { color: #1a9aa0; }
        tr.state-paused .state { color: #a03cb0; } tr.state-logged_out { color: var(--muted); }
        tr.not-called-back td:last-child { color: var(--alert); }
        footer { margin-top: 1vw; color: var(--muted); } a { color: inherit; }
        .error { color: var(--alert); }
        body.login main { max-width: 30em; margin: 10vh auto; font-size: 16px; }

        """

    /// Replaces the board with each pushed one; counts `data-elapsed` times up once a second.
    static let javascript = """
        "use strict";
        (function () {
          var board = document.getElementById("board");
          if (!board || !window.EventSource) { return; }
          var received = Date.now();
          function pad(n) { return (n < 10 ? "0" : "") + n; }
          function clock(s) { s = Math.max(0, Math.floor(s)); return Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60); }
          function tick() {
            var extra = (Date.now() - received) / 1000;
            var cells = board.querySelectorAll("[data-elapsed]");
            for (var i = 0; i < cells.length; i++) {
              cells[i].textContent = clock(Number(cells[i].getAttribute("data-elapsed")) + extra);
            }
          }
          // The browser reconnects by itself (the server's retry: 2 s) after a restart.
          var source = new EventSource(board.getAttribute("data-events"));
          source.addEventListener("board", function (event) {
            // Server-rendered, every string already escaped there.
            board.innerHTML = event.data;
            received = Date.now();
          });
          setInterval(tick, 1000);
        })();

        """
}
