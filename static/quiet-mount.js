/* Dash 4's renderer dispatches RESET_COMPONENT_STATE once for every component it mounts
   (a useEffect in each component's wrapper): 140 dispatches on the data-quality page, and
   every dispatch makes every mounted component re-run its store selectors, so a page's
   first draw costs components x components selector calls. The action only removes the
   entries of `layoutHashes` (the record of props changed by callbacks) whose key starts
   with the component's path (the path joined by commas, as the renderer's reducer tests
   it). When no entry does (on a page just drawn, none), the action changes nothing, and
   it is dropped here; any other action goes to the store as before. The store registers itself in
   `window.dash_stores`, which this script provides before the renderer starts. */
(function () {
    var stores = window.dash_stores = window.dash_stores || [];
    var push = stores.push;
    stores.push = function (store) {
        var dispatch = store.dispatch;
        store.dispatch = function (action) {
            if (action && action.type === "RESET_COMPONENT_STATE") {
                var path = action.payload && action.payload.itempath;
                var hashes = store.getState().layoutHashes;
                if (path && hashes) {
                    var prefix = path.join(",");
                    var stale = Object.keys(hashes).some(function (key) {
                        return key.startsWith(prefix);
                    });
                    if (!stale) {
                        return action;
                    }
                }
            }
            return dispatch(action);
        };
        return push.apply(this, arguments);
    };
})();
