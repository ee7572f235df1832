"""``edutorch.nn.functional`` (usually imported as ``F``): every layer and loss as a function.

Each file holds one family and lists its public names in ``__all__``.
"""

from ...ops import log_softmax, relu, sigmoid, softmax, tanh  # noqa: F401
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sparse import *  # noqa: F403
