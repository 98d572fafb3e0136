import Hummingbird

/// The page at `/`: one self-contained HTML document (inline CSS and script, no external assets,
/// so it works offline) that calls the server's own A1111 routes: a form, live progress from
/// `GET /sdapi/v1/progress`, and a gallery whose every result shows its parameters and can put
/// them back into the form.
enum WebPage {
    static func response() -> Response {
        Response(status: .ok, headers: [
            .contentType: "text/html; charset=utf-8",
            .init("Content-Security-Policy")!: "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'",
            .init("X-Content-Type-Options")!: "nosniff",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>t2i</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f4f2; color: #222; }
  header { padding: 10px 18px; background: #223; color: #eee; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; } header span { color: #aab; font-size: 13px; }
  main { display: grid; grid-template-columns: 340px 1fr; gap: 18px; padding: 18px; }
  form { background: #fff; padding: 14px; border-radius: 6px; box-shadow: 0 1px 3px #0002; }
  label { display: block; font-size: 13px; color: #555; margin-top: 8px; }
  input, select, textarea { width: 100%; box-sizing: border-box; font: inherit; padding: 5px; margin-top: 2px; }
  textarea { height: 4.2em; resize: vertical; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  button { font: inherit; padding: 7px 14px; margin-top: 12px; cursor: pointer; }
  #generate { background: #2a5bd7; color: #fff; border: 0; border-radius: 4px; }
  #bar { height: 8px; background: #ddd; border-radius: 4px; margin-top: 10px; overflow: hidden; }
  #bar div { height: 100%; width: 0; background: #2a5bd7; transition: width .2s; }
  #status { font-size: 13px; color: #555; min-height: 1.4em; margin-top: 4px; }
  #status.error { color: #b00; }
  #gallery { display: flex; flex-wrap: wrap; gap: 12px; align-content: flex-start; }
  .card { background: #fff; padding: 8px; border-radius: 6px; box-shadow: 0 1px 3px #0002; width: 220px; font-size: 12px; }
  .card img { width: 200px; height: 200px; image-rendering: pixelated; display: block; margin: 0 auto 6px; }
  .card .params { word-break: break-word; color: #444; }
  .card button { margin-top: 6px; padding: 4px 8px; font-size: 12px; }
</style>
</head>
<body>
<header><h1>t2i</h1><span id="model">model: …</span></header>
<main>
<form id="form" autocomplete="off">
  <label>Prompt<textarea id="prompt" name="prompt">a large red circle in the center on a white background</textarea></label>
  <label>Negative prompt<textarea id="negative_prompt" name="negative_prompt"></textarea></label>
  <div class="row">
    <label>Seed (−1: random)<input id="seed" name="seed" type="number" value="-1" step="1"></label>
    <label>Count<input id="count" name="count" type="number" value="1" min="1" max="16" step="1"></label>
  </div>
  <div class="row">
    <label>Steps<input id="steps" name="steps" type="number" value="50" min="1" step="1"></label>
    <label>Guidance<input id="cfg_scale" name="cfg_scale" type="number" value="4" step="0.5"></label>
  </div>
  <label>Sampler<select id="sampler_name" name="sampler_name"></select></label>
  <label>Token (only if the server was started with --token)<input id="token" name="token" type="password"></label>
  <button id="generate" type="submit">Generate</button>
  <button id="interrupt" type="button">Interrupt</button>
  <div id="bar"><div></div></div>
  <div id="status"></div>
</form>
<section id="gallery"></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const tokenField = $("token");
tokenField.value = localStorage.getItem("t2i-token") || "";
tokenField.addEventListener("change", () => { localStorage.setItem("t2i-token", tokenField.value); loadLists(); });

function headers() {
  const h = { "Content-Type": "application/json" };
  if (tokenField.value) h["Authorization"] = "Bearer " + tokenField.value;
  return h;
}
async function call(method, path, body) {
  const response = await fetch(path, { method, headers: headers(), body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (e) { data = { error: "HTTP " + response.status }; }
  if (!response.ok) throw new Error((data && data.error) || ("HTTP " + response.status));
  return data;
}
function status(text, error) { const s = $("status"); s.textContent = text; s.className = error ? "error" : ""; }

let defaultsApplied = false;
async function loadLists() {
  try {
    const samplers = await call("GET", "/sdapi/v1/samplers");
    const select = $("sampler_name"), current = select.value;
    select.innerHTML = "";
    for (const s of samplers) { const o = document.createElement("option"); o.value = s.name; o.textContent = s.name; select.appendChild(o); }
    if (current) select.value = current;
    const options = await call("GET", "/sdapi/v1/options");
    $("model").textContent = "model: " + options.sd_model_checkpoint;
    const d = options.t2i_defaults;
    if (d && !defaultsApplied) {
      defaultsApplied = true;
      $("steps").value = d.steps; $("cfg_scale").value = d.cfg_scale; $("sampler_name").value = d.sampler_name;
    }
    status("");
  } catch (e) { status(e.message, true); }
}

let polling = null;
function poll(taskID) {
  const bar = $("bar").firstElementChild;
  bar.style.width = "0";
  polling = setInterval(async () => {
    try {
      const p = await call("GET", "/sdapi/v1/progress");
      const mine = (p.queue || []).find((j) => j.id === taskID);
      if (!mine) return;
      if (mine.state === "queued") { status("waiting: " + mine.position + " ahead in the queue"); return; }
      bar.style.width = Math.round(100 * mine.progress) + "%";
      status("step " + mine.step + " of " + mine.steps + " · " + Math.round(100 * mine.progress) + "% · about " + p.eta_relative.toFixed(1) + " s left");
    } catch (e) { /* the next poll tries again */ }
  }, 250);
}

function settings() {
  return {
    prompt: $("prompt").value,
    negative_prompt: $("negative_prompt").value,
    seed: Number($("seed").value),
    batch_size: Number($("count").value),
    steps: Number($("steps").value),
    cfg_scale: Number($("cfg_scale").value),
    sampler_name: $("sampler_name").value,
  };
}

function useSettings(s) {
  $("prompt").value = s.prompt; $("negative_prompt").value = s.negative_prompt; $("seed").value = s.seed;
  $("count").value = 1; $("steps").value = s.steps; $("cfg_scale").value = s.cfg_scale; $("sampler_name").value = s.sampler_name;
  window.scrollTo(0, 0);
  status("settings of seed " + s.seed + " restored");
}

function addResult(png, info, index) {
  const s = { prompt: info.prompt, negative_prompt: info.negative_prompt, seed: info.all_seeds[index], steps: info.steps,
              cfg_scale: info.cfg_scale, sampler_name: info.sampler_name };
  const card = document.createElement("div");
  card.className = "card";
  const img = document.createElement("img");
  img.src = "data:image/png;base64," + png;
  img.alt = s.prompt;
  const params = document.createElement("div");
  params.className = "params";
  params.textContent = info.infotexts[index];
  const use = document.createElement("button");
  use.type = "button"; use.className = "use"; use.textContent = "Use these settings";
  use.addEventListener("click", () => useSettings(s));
  card.append(img, params, use);
  $("gallery").prepend(card);
}

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = settings();
  body.force_task_id = "page-" + Date.now() + "-" + Math.floor(Math.random() * 1e6);
  $("generate").disabled = true;
  status("queued");
  poll(body.force_task_id);
  try {
    const result = await call("POST", "/sdapi/v1/txt2img", body);
    const info = JSON.parse(result.info);
    result.images.forEach((png, i) => addResult(png, info, i));
    $("bar").firstElementChild.style.width = "100%";
    status("done: " + result.images.length + " image" + (result.images.length === 1 ? "" : "s") + ", seed " + info.seed);
  } catch (e) {
    status(e.message, true);
  } finally {
    clearInterval(polling);
    $("generate").disabled = false;
  }
});
$("interrupt").addEventListener("click", async () => {
  try { await call("POST", "/sdapi/v1/interrupt", {}); } catch (e) { status(e.message, true); }
});
loadLists();
</script>
</body>
</html>
"""#
}
