// Package nab is a Go port of the Numenta Anomaly Benchmark scorer
// (numenta/NAB nab/sweeper.py, optimizer.py and runner.py at ea702d7, MIT):
// anomaly windows, the scaled sigmoid, the probationary period, the cost
// profiles, the exhaustive corpus-wide threshold sweep (ties go to the higher
// threshold) and the normalisation null = 0, perfect = 100.
//
// It knows nothing of the detector: it scores per-row anomaly scores in
// [0, 1] against the labelled windows of each file.
package nab
