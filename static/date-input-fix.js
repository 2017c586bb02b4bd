/* Dash 4's dcc.Input restores the caret with setSelectionRange after a debounced
   value change; a type="date" input has no caret and throws InvalidStateError (an
   uncaught page error on every Enter/blur in the date fields). Ignore exactly that. */
(function () {
    var original = HTMLInputElement.prototype.setSelectionRange;
    var noSelection = { date: 1, "datetime-local": 1, month: 1, week: 1, time: 1, number: 1, email: 1, range: 1, color: 1, checkbox: 1, radio: 1 };
    HTMLInputElement.prototype.setSelectionRange = function () {
        if (noSelection[this.type]) {
            return undefined;
        }
        return original.apply(this, arguments);
    };
})();
