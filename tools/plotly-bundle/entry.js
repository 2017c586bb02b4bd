'use strict';
// Vger's plotly.js: the core with the traces Vger draws (scatter is in the core).
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/scattergl'),
]);
module.exports = Plotly;
