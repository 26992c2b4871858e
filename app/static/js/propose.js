// The proposal form: offer only the prompts that suit the chosen exercise, say the chosen
// prompt in full, and let "Surprise me" show its pick before anything is sent. Without this
// script every prompt is listed, "Surprise me" is an option the server fills in when
// proposing, and the server refuses a prompt that does not suit.
const form = document.getElementById("propose-form");
const select = document.getElementById("f-prompt");
const surpriseBtn = document.getElementById("btn-surprise");
const chosen = document.getElementById("f-prompt-chosen");
const problem = document.getElementById("f-prompt-problem");

const kindNow = () => form.querySelector('input[name="kind"]:checked')?.value;

function narrow() {
  const kind = kindNow();
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
  const option = select.selectedOptions[0];
  const full = option?.dataset.suits ? option.textContent.trim() : "";
  chosen.textContent = full;
  chosen.hidden = !full;
}

async function surprise() {
  problem.hidden = true;
  surpriseBtn.disabled = true;
  try {
    const resp = await fetch(`/api/prompts/surprise?kind=${encodeURIComponent(kindNow() ?? "")}`,
      { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await resp.json();
    if (!resp.ok || !body.ok) throw new Error(body?.error?.message ?? "");
    select.value = body.prompt.ref;
    sayChosen();
  } catch (err) {
    problem.textContent = err.message || "We couldn't pick one just now. Choose from the list, or try again.";
    problem.hidden = false;
  } finally {
    surpriseBtn.disabled = false;
  }
}

if (form && select) {
  // With the script, "Surprise me" is a button that shows its pick; the option is for without.
  select.querySelector('option[value="surprise"]')?.remove();
  surpriseBtn.hidden = false;
  surpriseBtn.addEventListener("click", surprise);
  form.addEventListener("change", (ev) => {
    if (ev.target.name === "kind") narrow();
    sayChosen();
  });
  narrow();
  sayChosen();
}
