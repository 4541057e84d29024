"""The Pareto chart's point labels: placed so that none covers another label or another point."""

import itertools

import matplotlib.pyplot as plt

from assessments import charts


def _crowded_chart(points):
    with plt.rc_context(charts.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=60)
        ax.set_xlim(-0.05, 1.25)
        ax.set_ylim(-0.05, 1.1)
        ax.scatter([], [], label="legend entry")
        ax.legend(loc="lower left", frameon=False, fontsize=8)
        return fig, ax


def test_labels_of_points_close_together_do_not_overlap():
    # The demo's near neighbours: two points 0.01 apart on x and 0.02 on y, and a third close by.
    points = [
        (0.78, 0.90, "Rules first, model for the rest"),
        (0.77, 0.88, "Gradient-boosted trees"),
        (0.82, 0.71, "Ensemble of models"),
        (0.49, 0.68, "Pre-trained or third-party model or API"),
        (0.54, 0.95, "Linear or logistic model"),
        (1.00, 0.80, "Pre-trained model adapted to your data"),
    ]
    fig, ax = _crowded_chart(points)
    boxes = charts.place_labels(fig, ax, points)
    plt.close(fig)
    assert len(boxes) == len(points)
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (points[i][2], points[j][2])
    for (px, py, name), box in zip(points, boxes, strict=True):
        for ox, oy, other in points:
            if other != name:
                centre = ax.transData.transform((ox, oy))
                assert not box.contains(*centre), (name, "covers the point of", other)


def test_the_first_spot_is_to_the_right_when_nothing_is_in_the_way():
    points = [(0.2, 0.5, "Alone")]
    fig, ax = _crowded_chart(points)
    (box,) = charts.place_labels(fig, ax, points)
    dot_x, dot_y = ax.transData.transform((0.2, 0.5))
    plt.close(fig)
    assert box.x0 > dot_x and box.y0 > dot_y  # right of and above its point, as before
