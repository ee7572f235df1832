"""The data and training panels of the studio: pick the data, train, and watch it learn.

Every number they show comes from ``edutorch.training`` (GUI-free); these widgets only draw.
Neither panel knows the main window; a window wires them like this:

    data, training = DataPanel(), TrainingPanel()
    data.dataChanged.connect(lambda: training.set_data(*data.data()))
    training.set_model(graph_module)            # its .loss_fn is the loss; weights = start
    training.trainingStateChanged.connect(...)  # "ready", "running", "paused", ... (status bar)
    # open a project:  data.set_settings(p.dataset); training.set_model(p.model());
    #                  training.set_data(*data.data()); training.load_from(p)
    # save a project:  p.dataset = data.settings(); training.save_to(p)
    # canvas nodes:    training.latest_views().get("neurons")  {node id: (k, h, w) heatmaps}

The training panel stops its worker thread when its window closes or the app quits.
"""

from .data_panel import DataPanel
from .panel import TrainingPanel

__all__ = ["DataPanel", "TrainingPanel"]
