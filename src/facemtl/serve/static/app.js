// The facemtl web page: upload a photo or a video, draw the answer. No framework, no CDN.
"use strict";

const COLOURS = {anger: "#d62728", contempt: "#8c564b", disgust: "#2ca02c", fear: "#9467bd",
  happiness: "#ffbf00", neutral: "#7f7f7f", sadness: "#1f77b4", surprise: "#17becf"};
const $ = (id) => document.getElementById(id);
let requireKey = false;

function show(id, visible) { $(id).hidden = !visible; }
function status(text) { $("status").textContent = text; }
function fail(text) { $("error").textContent = text; show("error", true); status(""); }

function headers() {
  const key = $("key").value;
  return requireKey && key ? {"X-API-Key": key} : {};
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body.error || JSON.stringify(body);
  } catch (_) {
    return `the server answered ${response.status} ${response.statusText}`;
  }
}

async function init() {
  const health = await (await fetch("/health")).json();
  requireKey = health.api_key;
  show("key-label", requireKey);
  $("key").value = localStorage.getItem("facemtl-key") || "";
  $("key").addEventListener("change", () => localStorage.setItem("facemtl-key", $("key").value));
  const select = $("model");
  const response = await fetch("/models", {headers: headers()});
  const names = response.ok ? Object.entries((await response.json()).models)
    .filter(([, m]) => m.kind === "analysis").map(([name]) => name) : [health.model];
  for (const name of names) {
    const option = new Option(name, name, false, name === health.model);
    select.append(option);
  }
}

async function analyse(file) {
  show("error", false); show("image-result", false); show("video-result", false);
  if (!file) return;
  const isVideo = file.type.startsWith("video/") || /\.(mp4|mov|m4v|avi|mkv|webm)$/i.test(file.name);
  const form = new FormData();
  form.append("file", file, file.name);
  const query = new URLSearchParams({model: $("model").value || ""});
  if (!$("model").value) query.delete("model");
  if (isVideo && $("fps").value) query.set("fps", $("fps").value);
  status(`analysing ${file.name} ...`);
  let response;
  try {
    response = await fetch(`${isVideo ? "/analyze/video" : "/analyze"}?${query}`,
      {method: "POST", body: form, headers: headers()});
  } catch (error) {
    return fail(`${file.name}: the server could not be reached (${error.message})`);
  }
  if (!response.ok) return fail(await errorText(response));
  return isVideo ? showVideo(file, response) : showImage(file, await response.json());
}

async function showImage(file, answer) {
  const entry = answer.files[0];
  if (entry.error) return fail(entry.error);
  const image = await createImageBitmap(file, {imageOrientation: "from-image"});
  const canvas = $("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const line = Math.max(2, Math.round(image.width / 400));
  context.font = `${Math.max(12, Math.round(image.width / 60))}px sans-serif`;
  const body = $("faces").querySelector("tbody");
  body.replaceChildren();
  entry.faces.forEach((face, index) => {
    const [x, y, w, h] = face.box;
    const colour = COLOURS[face.emotion] || "#3677e0";
    context.lineWidth = line; context.strokeStyle = colour;
    context.strokeRect(x, y, w, h);
    const label = `${index} ${face.emotion}`;
    context.fillStyle = colour;
    context.fillRect(x, y - parseInt(context.font) - 4, context.measureText(label).width + 8,
                     parseInt(context.font) + 4);
    context.fillStyle = "black";
    context.fillText(label, x + 4, y - 4);
    body.append(faceRow(index, face));
  });
  status(`${entry.file}: ${entry.faces.length} face${entry.faces.length === 1 ? "" : "s"} ` +
         `(detection ${entry.timings.detect_ms} ms, model ${entry.timings.model_ms} ms)`);
  show("image-result", true);
}

function cell(content) {
  const td = document.createElement("td");
  if (content instanceof Node) td.append(content); else td.textContent = content;
  return td;
}

function bars(probabilities) {
  const box = document.createElement("div");
  const sorted = Object.entries(probabilities || {}).sort((a, b) => b[1] - a[1]);
  for (const [name, p] of sorted) {
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML = `<span class="name"></span><span class="fill"></span><span class="p"></span>`;
    row.querySelector(".name").textContent = name;
    row.querySelector(".fill").style.width = `${Math.round(p * 120)}px`;
    row.querySelector(".fill").style.background = COLOURS[name] || "#3677e0";
    row.querySelector(".p").textContent = p.toFixed(2);
    box.append(row);
  }
  return box;
}

const fixed = (value, digits) => value === null || value === undefined ? "" : value.toFixed(digits);

function faceRow(index, face) {
  const tr = document.createElement("tr");
  tr.append(cell(String(index)), cell(face.emotion), cell(bars(face.emotion_probs)),
            cell(face.valence === null && face.arousal === null ? "(not trained)"
                 : `${fixed(face.valence, 2)} / ${fixed(face.arousal, 2)}`),
            cell(fixed(face.age, 0)),
            cell(face.gender ? `${face.gender} (${fixed(face.gender_prob, 2)})` : ""),
            cell(face.ethnicity || ""));
  return tr;
}

async function showVideo(file, response) {
  const tracks = new Map();
  let frames = 0, lastTime = 0, summary = null, failure = null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop();
    for (const text of lines) {
      if (!text.trim()) continue;
      const row = JSON.parse(text);
      if (row.summary) { summary = row.summary; continue; }
      if (row.error) { failure = row.error; continue; }
      if (row.face === 0 || row.face === null) frames += 1;
      lastTime = Math.max(lastTime, row.time_s);
      if (row.track !== null && row.track !== undefined) {
        if (!tracks.has(row.track)) tracks.set(row.track, []);
        tracks.get(row.track).push([row.time_s, row.emotion]);
      }
    }
    status(`${file.name}: ${frames} frames analysed ...`);
  }
  if (failure) fail(failure);
  drawTimeline(tracks, lastTime);
  status(`${file.name}: ${frames} frames, ${tracks.size} track${tracks.size === 1 ? "" : "s"}`);
  show("video-result", true);
  return summary;
}

function drawTimeline(tracks, end) {
  const width = 1000, rowHeight = 26, ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width + 80} ${Math.max(1, tracks.size) * rowHeight + 20}`);
  const body = $("tracks").querySelector("tbody");
  body.replaceChildren();
  let rowIndex = 0;
  for (const [track, points] of [...tracks.entries()].sort((a, b) => a[0] - b[0])) {
    const y = rowIndex * rowHeight;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 0); label.setAttribute("y", y + 17);
    label.textContent = `track ${track}`;
    svg.append(label);
    points.forEach(([time, emotion], i) => {
      const next = i + 1 < points.length ? points[i + 1][0] : time + (end / Math.max(points.length, 1));
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", 80 + (time / Math.max(end, 1e-6)) * width);
      rect.setAttribute("y", y + 4);
      rect.setAttribute("width", Math.max(1, ((next - time) / Math.max(end, 1e-6)) * width));
      rect.setAttribute("height", rowHeight - 8);
      rect.setAttribute("fill", COLOURS[emotion] || "#ccc");
      const title = document.createElementNS(ns, "title");
      title.textContent = `${time.toFixed(2)} s: ${emotion}`;
      rect.append(title);
      svg.append(rect);
    });
    const counts = {};
    for (const [, emotion] of points) counts[emotion] = (counts[emotion] || 0) + 1;
    const dominant = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
    const tr = document.createElement("tr");
    tr.append(cell(String(track)), cell(String(points.length)), cell(dominant));
    body.append(tr);
    rowIndex += 1;
  }
  $("timeline").replaceChildren(svg);
  $("legend").replaceChildren(...Object.entries(COLOURS).map(([name, colour]) => {
    const span = document.createElement("span");
    span.innerHTML = `<i></i>`;
    span.querySelector("i").style.background = colour;
    span.append(name);
    return span;
  }));
}

const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault(); drop.classList.remove("over");
  analyse(event.dataTransfer.files[0]);
});
$("picker").addEventListener("change", (event) => analyse(event.target.files[0]));
init().catch((error) => fail(`could not reach the service: ${error.message}`));
