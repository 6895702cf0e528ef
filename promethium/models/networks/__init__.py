"""The seed's deep-learning architectures, one module per family.

Importing this package imports neither torch nor any network: the configurations in
:mod:`~promethium.models.networks.configs` are plain pydantic models (validated
without torch), and each network lives in its own module, imported when used:

- :mod:`~promethium.models.networks.blocks`: padding, convolution, residual and
  attention blocks shared by every network;
- :mod:`~promethium.models.networks.unet`: ``UNet``, ``AttentionUNet``,
  ``ResidualUNet``;
- :mod:`~promethium.models.networks.vae`: ``VAE`` (fully convolutional, spatial latent);
- :mod:`~promethium.models.networks.gan`: ``GAN`` (generator + ``PatchGAN``);
- :mod:`~promethium.models.networks.pinn`: ``PINN`` (backbone + wave-equation loss);
- :mod:`~promethium.models.networks.physics`: the acoustic physics losses;
- :mod:`~promethium.models.networks.sampling`: ``Sampling``, a patch's trace spacing
  and sample interval in SI units, read from coordinates (no torch);
- :mod:`~promethium.models.networks.backbones`: ``build_backbone`` by name;
- :mod:`~promethium.models.networks.losses`: reconstruction losses, ``LossOutput``.

See ``docs/models-networks.md`` and ``docs/physics.md``.
"""
