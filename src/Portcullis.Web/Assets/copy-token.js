// "Copy token" buttons: a button with data-copy="<input id>" copies that input's value to the clipboard.
// One listener on the document, so buttons on pages that Blazor's enhanced navigation swaps in work too.
// Without a clipboard (a page served over plain HTTP to another host has none), the token is selected
// instead and the status says how to copy it; the token stays on the page either way.
"use strict";
document.addEventListener("click", async (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) {
        return;
    }

    const input = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!input) {
        return;
    }

    const say = (text) => {
        if (status) {
            status.textContent = text;
        }
    };
    try {
        if (!navigator.clipboard) {
            throw new Error("no clipboard");
        }

        await navigator.clipboard.writeText(input.value);
        say("Copied to the clipboard.");
    } catch {
        input.focus();
        input.select();
        say("This page cannot use the clipboard; the token is selected: copy it with Ctrl+C (⌘C on a Mac).");
    }
});
