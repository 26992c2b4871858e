// The two DOM helpers every part of the live screen uses: find by id, show or hide.
export const $ = (id) => document.getElementById(id);
export const show = (id, on) => { $(id).hidden = !on; };
