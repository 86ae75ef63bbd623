// Talks to the backend through the same ALB: /api/* is routed to the Flask service.
"use strict";

const statusEl = document.getElementById("status");
const rows = document.getElementById("products");

function show(message) {
  statusEl.textContent = message;
}

async function load() {
  const resp = await fetch("/api/products");
  if (!resp.ok) {
    show(`Could not load the products (${resp.status}).`);
    return;
  }
  const { products } = await resp.json();
  rows.replaceChildren(
    ...products.map((p) => {
      const tr = document.createElement("tr");
      for (const value of [p.id, p.name, p.price]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      }
      return tr;
    }),
  );
}

document.getElementById("add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const resp = await fetch("/api/products", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: form.get("name"), price: form.get("price") }),
  });
  if (resp.ok) {
    event.target.reset();
    show("Added.");
    await load();
  } else {
    const body = await resp.json().catch(() => ({}));
    show(`Not added: ${JSON.stringify(body.fields || body.error || resp.status)}`);
  }
});

load();
