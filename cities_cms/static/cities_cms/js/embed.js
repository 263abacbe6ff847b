/*
 * cities_cms embeds: show a provider's player only when the visitor asks for it.
 *
 * Without JavaScript, an embed is a card with a link to the provider. With it, a "Play here"
 * button appears; pressing it replaces the card's media area with the player's iframe. No
 * request goes to the provider before that.
 */
(function () {
    "use strict";

    function play(button) {
        var figure = button.closest("[data-cc-embed]");
        var target = figure && figure.querySelector("[data-cc-embed-target]");
        var src = button.getAttribute("data-cc-embed-player");
        if (!target || !src || src.indexOf("https://") !== 0) {
            return;
        }
        var frame = document.createElement("iframe");
        frame.src = src + (src.indexOf("?") === -1 ? "?" : "&") + "autoplay=1";
        frame.title = button.getAttribute("data-cc-embed-title") || "";
        frame.setAttribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture");
        frame.setAttribute("allowfullscreen", "");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        frame.className = "cc-embed__frame";
        var wrapper = document.createElement("div");
        wrapper.className = "cc-embed__player";
        wrapper.appendChild(frame);
        target.replaceWith(wrapper);
        frame.focus();
    }

    function init() {
        var buttons = document.querySelectorAll("[data-cc-embed-player]");
        Array.prototype.forEach.call(buttons, function (button) {
            button.hidden = false;
            var note = button.closest("[data-cc-embed]").querySelector("[data-cc-embed-note]");
            if (note) {
                note.hidden = false;
            }
            button.addEventListener("click", function () {
                play(button);
            });
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
