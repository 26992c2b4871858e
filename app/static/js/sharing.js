import { presenceSocket } from "/static/js/app.js";
// Sharing forms carry the phone's time zone, so homework is due by the couple's own clock.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
document.querySelectorAll("input[data-time-zone]").forEach((el) => { el.value = zone; });

// When the other partner (or the therapist) changes something, say so; a reload could lose a
// choice being made here, so the person decides when to look.
const notice = document.getElementById("sharing-changed");
if (notice) presenceSocket().on("therapy", () => { notice.hidden = false; });
