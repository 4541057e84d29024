"""The Pareto chart's point labels: placed so that none covers another label or another point."""

import itertools

import matplotlib.pyplot as plt

from reports import charts


def _crowded_chart(points):
    with plt.rc_context(charts.STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=60)
        ax.set_xlim(-0.05, 1.25)
        ax.set_ylim(-0.05, 1.1)
        ax.scatter([], [], label="legend entry")
        ax.legend(loc="lower left", frameon=False, fontsize=8)
        return fig, ax


def _assert_apart(boxes, points):
    """No two labels overlap."""
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (points[i][2], points[j][2])


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
    _assert_apart(boxes, points)
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


def test_labels_stay_inside_the_plot_and_nearer_their_own_point():
    # The demo ticket router's Pareto chart: two points on the top edge 0.35 apart, where a label
    # between them could be read as either's, and two near-coincident points on the x axis, where
    # a label below ran over the tick labels.
    points = [
        (0.00, 1.00, "No ML (rules or heuristics)"),
        (0.65, 1.00, "Linear or logistic model"),
        (1.00, 1.00, "Human in the loop"),
        (0.95, 0.00, "Gradient-boosted trees"),
        (0.96, 0.00, "Rules first, model for the rest"),
    ]
    fig, ax = _crowded_chart(points)
    boxes = charts.place_labels(fig, ax, points)
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    centres = [ax.transData.transform((px, py)) for px, py, _ in points]
    plt.close(fig)
    for i, box in enumerate(boxes):
        name = points[i][2]
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, name
        mine = charts._distance(box, centres[i])
        for j, centre in enumerate(centres):
            far_apart = abs(centre[0] - centres[i][0]) + abs(centre[1] - centres[i][1]) > 20
            if j != i and far_apart:
                assert mine < charts._distance(box, centre), (name, "reads as the label of", points[j][2])
    _assert_apart(boxes, points)
