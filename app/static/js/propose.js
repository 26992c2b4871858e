// The proposal form: offer only the prompts that suit the chosen exercise. Without this script
// every prompt is listed and the server refuses one that does not suit.
const form = document.getElementById("propose-form");
const select = document.getElementById("f-prompt");

function narrow() {
  const kind = form.querySelector('input[name="kind"]:checked')?.value;
  if (!kind) return;
  for (const option of select.querySelectorAll("option[data-suits]")) {
    const suits = option.dataset.suits.split(" ").includes(kind);
    option.hidden = !suits;
    if (!suits && option.selected) select.value = "";
  }
  for (const group of select.querySelectorAll("optgroup")) {
    group.hidden = ![...group.children].some((o) => !o.hidden);
  }
}

// A closed <select> on a phone cuts a long prompt short: say the chosen one in full below it.
function sayChosen() {
  const chosen = document.getElementById("f-prompt-chosen");
  const option = select.selectedOptions[0];
  const full = option?.dataset.suits ? option.textContent.trim() : "";
  chosen.textContent = full;
  chosen.hidden = !full;
}

if (form && select) {
  form.addEventListener("change", (ev) => {
    if (ev.target.name === "kind") narrow();
    sayChosen();
  });
  narrow();
  sayChosen();
}
